import { canonicalHash, canonicalJson } from '../spec/canonical-hash.ts';
import { SystemError } from '../spec/errors.ts';
import type { JournalEvent } from '../spec/journal-events.ts';
import type { JournalCheckpoint, Store } from '../spec/store.ts';
import { checkChain } from './check-chain.ts';
import type { CheckpointKey } from './checkpoint-key.ts';
import { GENESIS_HASH } from './hash-event.ts';

/** Attempts when another process seals a checkpoint at the same moment. */
const SEAL_ATTEMPTS = 5;

/**
 * Signed checkpoints over the journal heads. Each one seals the heads of the tasks whose journal moved
 * since they were last sealed, and links to the previous checkpoint by hash, so the checkpoints form a
 * chain of their own. A journal edited and re-hashed after a checkpoint no longer ends at (or passes
 * through) the head the checkpoint signed.
 */
export class Checkpoints {
  readonly #store: Store;
  readonly #key: CheckpointKey;
  readonly #now: () => Date;

  constructor(store: Store, key: CheckpointKey, options: { now?: () => Date } = {}) {
    this.#store = store;
    this.#key = key;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Seals the heads of every task whose journal moved since its last checkpoint. A task whose chain does
   * not verify is left out (sealing it would bless the damage). Returns the new checkpoint, `undefined`
   * when nothing moved.
   *
   * @throws SystemError `store-failed` or `journal-corrupt` when the store refuses the checkpoint.
   */
  async seal(): Promise<JournalCheckpoint | undefined> {
    for (let attempt = 1; ; attempt++) {
      const heads: JournalCheckpoint['heads'] = {};
      for (const task of await this.#store.tasksChangedSinceCheckpoint()) {
        const events = await this.#store.listEvents(task.id);
        const chain = checkChain(events);
        if (chain.problem || task.headSeq !== events.length || events.at(-1)?.hash !== task.headHash)
          continue;
        if (await this.check(task.id, events)) continue;
        heads[task.id] = { seq: task.headSeq, hash: task.headHash };
      }
      if (Object.keys(heads).length === 0) return undefined;
      const previous = await this.#store.latestCheckpoint();
      const body = {
        seq: (previous?.seq ?? 0) + 1,
        at: this.#now().toISOString(),
        heads,
        previousHash: previous?.hash ?? GENESIS_HASH,
      };
      const canonical = canonicalJson(body);
      const checkpoint: JournalCheckpoint = {
        ...body,
        hash: canonicalHash(body),
        signature: this.#key.sign(canonical),
      };
      try {
        await this.#store.appendCheckpoint(checkpoint);
        return checkpoint;
      } catch (error) {
        const raced = error instanceof SystemError && error.code === 'journal-corrupt';
        if (!raced || attempt >= SEAL_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Checks a task's events against the newest checkpoint that sealed the task. Returns what does not
   * hold, `undefined` when the chain agrees with it (or no checkpoint sealed the task yet).
   */
  async check(
    taskId: string,
    events: readonly JournalEvent[],
  ): Promise<{ problem: string; brokenAt: number; checkpoint: number } | undefined> {
    const checkpoint = await this.#store.latestCheckpointFor(taskId);
    if (!checkpoint) return undefined;
    const { hash, signature, ...body } = checkpoint;
    const canonical = canonicalJson(body);
    if (canonicalHash(body) !== hash || !this.#key.verify(canonical, signature)) {
      return {
        problem: `checkpoint ${checkpoint.seq} is not signed by this data directory's key (it was altered or forged)`,
        brokenAt: 0,
        checkpoint: checkpoint.seq,
      };
    }
    const head = checkpoint.heads[taskId]!;
    const event = events[head.seq - 1];
    if (!event) {
      return {
        problem: `truncated: checkpoint ${checkpoint.seq} sealed ${head.seq} events, the journal has ${events.length}`,
        brokenAt: events.length + 1,
        checkpoint: checkpoint.seq,
      };
    }
    if (event.hash !== head.hash) {
      return {
        problem: `rewritten: event ${head.seq} is not the one checkpoint ${checkpoint.seq} sealed`,
        brokenAt: head.seq,
        checkpoint: checkpoint.seq,
      };
    }
    return undefined;
  }
}
