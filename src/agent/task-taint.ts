import type { Journal } from '../journal/index.ts';
import type { JournalEvent } from '../spec/journal-events.ts';
import {
  type ContextSource,
  type ContextSourceKind,
  type TaintFacts,
  UNTRUSTABLE_KINDS,
} from '../spec/provenance.ts';
import type { EgressConnection } from '../spec/sandbox.ts';

/** Which sources taint a task, from `provenance` of the config. */
export interface TaintSettings {
  /** The kinds of source whose content taints the task when it enters. */
  untrusted: ReadonlySet<ContextSourceKind>;
  /** Hosts whose responses never taint (the package registries of the egress groups). */
  quietHost: (host: string, port: number) => boolean;
}

/** Every kind but the operator's and the repository's: the config's default. */
export const DEFAULT_UNTRUSTED: readonly ContextSourceKind[] = UNTRUSTABLE_KINDS;

/** Without a config's `provenance`: every kind but the operator's and the repository's; no quiet host. */
export const DEFAULT_TAINT_SETTINGS: TaintSettings = {
  untrusted: new Set(DEFAULT_UNTRUSTED),
  quietHost: () => false,
};

/**
 * A task's taint: which untrusted sources have entered its context, rebuilt from its journal
 * (`context-tainted`) and grown as new ones enter. Each source is journaled once. The facts change the
 * moment a source enters (the journal entry follows in order), so the very next policy request sees
 * them; policies read them as `context.taint`.
 */
export class TaskTaint {
  readonly #journal: Journal;
  readonly #taskId: string;
  readonly #settings: TaintSettings;
  readonly #seen = new Set<string>();
  readonly #kinds = new Set<string>();
  #since = '';
  #writes: Promise<unknown> = Promise.resolve();

  constructor(journal: Journal, taskId: string, settings: TaintSettings, events: readonly JournalEvent[]) {
    this.#journal = journal;
    this.#taskId = taskId;
    this.#settings = settings;
    for (const event of events) {
      if (event.type !== 'context-tainted') continue;
      this.#note(event, event.at);
    }
  }

  /** The facts every policy request of the task carries. */
  facts(): TaintFacts {
    return { tainted: this.#kinds.size > 0, sources: [...this.#kinds].sort(), since: this.#since };
  }

  /** The sources that tainted the task, for a human: `issue #12 by @mallory, api.example.com`. */
  describe(): string {
    return [...this.#seen].map((key) => key.slice(key.indexOf('\0') + 1)).join(', ');
  }

  /**
   * Records that `source` entered the task; nothing when its kind is trusted or it was recorded before.
   * Resolves once it is journaled.
   */
  enter(source: ContextSource): Promise<void> {
    if (!this.#settings.untrusted.has(source.kind)) return Promise.resolve();
    if (!this.#note(source, new Date().toISOString())) return Promise.resolve();
    const written = this.#writes.then(() =>
      this.#journal.append(this.#taskId, 'context-tainted', {
        kind: source.kind,
        label: source.label,
        ...(source.author === undefined ? {} : { author: source.author }),
      }),
    );
    this.#writes = written.catch(() => {});
    return written.then(() => undefined);
  }

  /** A connection through the egress proxy: an allowed one to a host that is not quiet taints the task. */
  connection(connection: EgressConnection): Promise<void> {
    if (connection.decision !== 'allow' || connection.bytesDown === 0) return Promise.resolve();
    if (this.#settings.quietHost(connection.host, connection.port)) return Promise.resolve();
    return this.enter({ kind: 'network', label: connection.host });
  }

  /**
   * Why the egress proxy holds back `host` in this task: tainted by a source other than that host's
   * own responses, a host that is not quiet is not reached. Undefined: it may be reached.
   */
  hold(host: string, port: number): string | undefined {
    if (this.#settings.quietHost(host, port)) return undefined;
    const others = [...this.#seen].filter((key) => key !== `network\0${host}`);
    if (others.length === 0) return undefined;
    return `held: the task read untrusted content (${this.describe()}), so only the package registries are reached`;
  }

  #note(source: ContextSource, at: string): boolean {
    const key = `${source.kind}\0${source.label}`;
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    this.#kinds.add(source.kind);
    if (this.#since === '') this.#since = at;
    return true;
  }
}
