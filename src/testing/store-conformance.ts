import { createHash } from 'node:crypto';
import type { JournalEvent } from '../spec/journal-events.ts';
import type { JournalCheckpoint, NewTask, Store } from '../spec/store.ts';

/** A fresh, empty store made for one test, and how to open the same data again. */
export interface StoreUnderTest {
  store: Store;
  /** Opens the same database as a second store, as another process would (migrations run again). */
  openAgain: () => Promise<Store>;
  /** Removes what the test made (files, schema); the suite has closed every store by then. */
  cleanup?: () => Promise<void>;
}

export interface StoreConformanceOptions {
  /** Makes an empty store for one test; called once per test. */
  open: () => Promise<StoreUnderTest>;
  /** Suite title. Default: `store conformance`. */
  name?: string;
  /** Skip the whole suite with this reason printed (for example, no server reachable). */
  skipReason?: string;
  /** Per-test timeout in ms. Default: 30 000. */
  timeoutMs?: number;
}

const ZERO_HASH = '0'.repeat(64);
const OWNER = { host: 'worker-1', pid: 4242, bootId: 'boot-1', startTicks: '123456' };

/** A task as `createTask` takes it. */
export const newTask = (id: string, createdAt = '2025-01-01T00:00:00.000Z'): NewTask => ({
  id,
  prompt: `fix ${id}`,
  repo: '/repo',
  baseCommit: 'abc123',
  model: 'scripted:x',
  requestedBy: 'tester',
  createdAt,
});

/**
 * Event `seq` of `taskId` linked to `prevHash`, with a stand-in hash (the store does not check hashes;
 * the journal does) and a body with the awkward values a body must keep exactly.
 */
export function eventOf(taskId: string, seq: number, prevHash: string, note = ''): JournalEvent {
  const input = { command: `echo ${note} ✓ "quoted" \\ back`, nested: { list: [1, 0.1, -2e-7, null, true] } };
  const hash = createHash('sha256').update(`${taskId}|${seq}|${prevHash}|${note}`).digest('hex');
  return {
    taskId,
    seq,
    type: 'tool-call-start',
    at: `2025-01-01T00:00:${String(seq % 60).padStart(2, '0')}.000Z`,
    prevHash,
    hash,
    toolCallId: `call-${seq}${note}`,
    tool: 'shell',
    input,
  };
}

const checkpointOf = (
  seq: number,
  heads: JournalCheckpoint['heads'],
  previousHash: string,
): JournalCheckpoint => ({
  seq,
  at: `2025-01-02T00:00:0${seq}.000Z`,
  heads,
  previousHash,
  hash: createHash('sha256').update(`checkpoint ${seq}`).digest('hex'),
  signature: Buffer.from(`signature ${seq}`).toString('base64'),
});

/**
 * Registers the Vitest suite every `Store` must pass: tasks created, read, found by prefix, listed
 * newest first and filtered, updated field by field; events appended with the task row's head (and an
 * update) moving in the same write, read back exactly, an out-of-order seq refused with
 * `journal-corrupt` leaving row and chain as they were, concurrent writers through two stores never
 * forking a chain; checkpoints stored in order and found by the tasks their bodies hold, and the tasks
 * whose head moved since they were sealed; everything still there when the database is opened again.
 * Await it at the top level of a test file; it imports Vitest lazily.
 */
export async function runStoreConformance(options: StoreConformanceOptions): Promise<void> {
  const { afterEach, beforeEach, describe, expect, it } = await import('vitest');
  const title = options.name ?? 'store conformance';
  if (options.skipReason) {
    console.warn(`${title}: skipped: ${options.skipReason}`);
    describe.skip(`${title} (skipped: ${options.skipReason})`, () => {
      it('runs the conformance suite', () => {});
    });
    return;
  }
  const timeout = options.timeoutMs ?? 30_000;

  describe(title, () => {
    let underTest: StoreUnderTest;
    let store: Store;
    const opened: Store[] = [];
    const openAgain = async () => {
      const again = await underTest.openAgain();
      opened.push(again);
      return again;
    };

    beforeEach(async () => {
      underTest = await options.open();
      store = underTest.store;
      opened.push(store);
    }, timeout);

    afterEach(async () => {
      for (const each of opened.splice(0)) await each.close();
      await underTest?.cleanup?.();
    }, timeout);

    it('creates a task with empty progress and reads it back', { timeout }, async () => {
      const created = await store.createTask({ ...newTask('t1'), owner: OWNER });
      expect(created).toEqual({
        ...newTask('t1'),
        status: 'running',
        stopReason: null,
        branch: null,
        steps: 0,
        costUsd: 0,
        endedAt: null,
        headSeq: 0,
        headHash: ZERO_HASH,
        owner: OWNER,
        resumableUntil: null,
        leaseUntil: null,
      });
      expect(await store.getTask('t1')).toEqual(created);
      expect((await store.createTask(newTask('t2'))).owner).toBeNull();
      expect(await store.getTask('missing')).toBeUndefined();
    });

    it('renews a lease only for the owner of a running task, so a worker that lost its task learns it', {
      timeout,
    }, async () => {
      const until = '2025-01-01T00:00:30.000Z';
      const created = await store.createTask({ ...newTask('t1'), owner: OWNER, leaseUntil: until });
      expect(created.leaseUntil).toBe(until);
      expect(await store.renewLease('t1', OWNER, '2025-01-01T00:01:00.000Z')).toBe(true);
      expect((await store.getTask('t1'))?.leaseUntil).toBe('2025-01-01T00:01:00.000Z');
      // Another worker took the task over: the first one's renewal fails and moves nothing.
      const taker = { ...OWNER, host: 'worker-2', pid: 7 };
      await store.updateTask('t1', { owner: taker, leaseUntil: '2025-01-01T00:02:00.000Z' });
      expect(await store.renewLease('t1', OWNER, '2025-01-01T00:09:00.000Z')).toBe(false);
      expect((await store.getTask('t1'))?.leaseUntil).toBe('2025-01-01T00:02:00.000Z');
      // The lease outlives the task's end until its result is delivered, then is let go.
      await store.updateTask('t1', { status: 'succeeded' });
      expect(await store.renewLease('t1', taker, '2025-01-01T00:03:00.000Z')).toBe(true);
      expect(await store.passedLeases('2025-01-01T00:02:59.000Z', 10)).toEqual([]);
      expect((await store.passedLeases('2025-01-01T00:03:00.000Z', 10)).map((task) => task.id)).toEqual([
        't1',
      ]);
      // Taking over needs the lease to have passed; only one of two takers gets it.
      expect(await store.takeLease('t1', OWNER, '2025-01-01T00:02:00.000Z', '2025-01-01T00:05:00.000Z')).toBe(
        false,
      );
      const takers = await Promise.all([
        store.takeLease('t1', OWNER, '2025-01-01T00:04:00.000Z', '2025-01-01T00:05:00.000Z'),
        store.takeLease('t1', taker, '2025-01-01T00:04:00.000Z', '2025-01-01T00:05:00.000Z'),
      ]);
      expect(takers.filter(Boolean)).toHaveLength(1);
      const holder = takers[0] ? OWNER : taker;
      expect(await store.renewLease('t1', holder, null)).toBe(true);
      expect((await store.getTask('t1'))?.leaseUntil).toBeNull();
      expect(await store.renewLease('t1', holder, until)).toBe(false);
      expect(await store.passedLeases('2030-01-01T00:00:00.000Z', 10)).toEqual([]);
      // Delivered: nothing left to take. An interrupted task without a lease (no worker held it) is free.
      expect(await store.takeLease('t1', OWNER, '2030-01-01T00:00:00.000Z', '2030-01-01T00:01:00.000Z')).toBe(
        false,
      );
      await store.createTask({ ...newTask('t2'), owner: taker });
      await store.updateTask('t2', { status: 'interrupted' });
      expect(await store.takeLease('t2', OWNER, '2025-01-01T00:00:00.000Z', until)).toBe(true);
      expect(await store.getTask('t2')).toMatchObject({ owner: OWNER, leaseUntil: until });
      // So is one paused for an approval (its lease let go when it paused): a worker resumes it once decided.
      await store.createTask({ ...newTask('t3'), owner: taker });
      await store.updateTask('t3', { status: 'awaiting_approval' });
      expect(await store.takeLease('t3', OWNER, '2025-01-01T00:00:00.000Z', until)).toBe(true);
      expect(await store.takeLease('t3', taker, '2025-01-01T00:00:00.000Z', until)).toBe(false);
      expect(await store.renewLease('missing', OWNER, until)).toBe(false);
    });

    it('appends a fenced event only while the task row names that owner', { timeout }, async () => {
      await store.createTask({ ...newTask('t1'), owner: OWNER });
      const first = eventOf('t1', 1, ZERO_HASH);
      await store.appendEvent(first, {}, OWNER);
      const other = { ...OWNER, host: 'worker-2' };
      await expect(store.appendEvent(eventOf('t1', 2, first.hash), {}, other)).rejects.toMatchObject({
        code: 'lease-lost',
      });
      expect((await store.getTask('t1'))?.headSeq).toBe(1);
      await store.updateTask('t1', { owner: other });
      await expect(store.appendEvent(eventOf('t1', 2, first.hash), {}, OWNER)).rejects.toMatchObject({
        code: 'lease-lost',
      });
      expect((await store.appendEvent(eventOf('t1', 2, first.hash), {}, other)).headSeq).toBe(2);
    });

    it('refuses a second task with the same id and keeps the first', { timeout }, async () => {
      await store.createTask(newTask('t1'));
      await expect(store.createTask({ ...newTask('t1'), prompt: 'other' })).rejects.toMatchObject({
        code: 'store-failed',
      });
      expect((await store.getTask('t1'))?.prompt).toBe('fix t1');
    });

    it('updates only the fields given, clears with null, and refuses an unknown task', {
      timeout,
    }, async () => {
      await store.createTask({ ...newTask('t1'), owner: OWNER });
      const updated = await store.updateTask('t1', {
        status: 'succeeded',
        stopReason: 'finished',
        branch: 'warden/t1',
        steps: 7,
        costUsd: 0.125,
        endedAt: '2025-01-01T01:00:00.000Z',
        resumableUntil: '2025-01-02T00:00:00.000Z',
      });
      expect(updated).toMatchObject({ status: 'succeeded', steps: 7, costUsd: 0.125, owner: OWNER });
      expect(await store.getTask('t1')).toEqual(updated);
      const cleared = await store.updateTask('t1', { owner: null, branch: null, steps: undefined });
      expect(cleared).toMatchObject({ owner: null, branch: null, steps: 7, stopReason: 'finished' });
      expect(await store.updateTask('t1', {})).toEqual(cleared);
      await expect(store.updateTask('missing', { steps: 1 })).rejects.toMatchObject({ code: 'store-failed' });
    });

    it('lists tasks newest first, filters by status, limits, and finds them by id prefix', {
      timeout,
    }, async () => {
      for (let index = 0; index < 55; index++) {
        const minute = String(index % 50).padStart(2, '0');
        await store.createTask(
          newTask(`task-${String(index).padStart(2, '0')}`, `2025-01-01T00:${minute}:00.000Z`),
        );
      }
      await store.updateTask('task-03', { status: 'failed' });
      await store.updateTask('task-53', { status: 'failed' });
      expect(await store.countTasks()).toEqual({ running: 53, failed: 2 });
      const migrations = await store.schemaMigrations();
      expect(migrations.map((migration) => migration.version)).toEqual(
        migrations.map((_, index) => index + 1),
      );
      expect(migrations.every((migration) => !Number.isNaN(Date.parse(migration.appliedAt)))).toBe(true);
      const all = await store.listTasks();
      expect(all).toHaveLength(50);
      // Newest first; the same created_at ordered by id, descending.
      expect(all.slice(0, 4).map((task) => task.id)).toEqual(['task-49', 'task-48', 'task-47', 'task-46']);
      expect(all.at(-1)?.id).toBe('task-52');
      expect((await store.listTasks({ limit: 3 })).map((task) => task.id)).toEqual([
        'task-49',
        'task-48',
        'task-47',
      ]);
      expect((await store.listTasks({ status: 'failed' })).map((task) => task.id)).toEqual([
        'task-53',
        'task-03',
      ]);
      expect(await store.listTasks({ status: 'succeeded' })).toEqual([]);
      expect((await store.findTasks('task-1')).map((task) => task.id).sort()).toEqual(
        Array.from({ length: 10 }, (_, index) => `task-1${index}`),
      );
      expect(await store.findTasks('task-')).toHaveLength(20);
      // `%` and `_` in a prefix are literal characters, not patterns.
      await store.createTask(newTask('odd_%id'));
      expect((await store.findTasks('odd_%')).map((task) => task.id)).toEqual(['odd_%id']);
      expect(await store.findTasks('task_')).toEqual([]);
      expect(await store.findTasks('%')).toEqual([]);
    });

    it('appends events, moving the head and applying the update in the same write', { timeout }, async () => {
      await store.createTask(newTask('t1'));
      await store.createTask(newTask('t2'));
      expect(await store.lastEvent('t1')).toBeUndefined();
      expect(await store.listEvents('t1')).toEqual([]);
      const first = eventOf('t1', 1, ZERO_HASH);
      const moved = await store.appendEvent(first);
      expect(moved).toMatchObject({ headSeq: 1, headHash: first.hash, status: 'running' });
      const second = eventOf('t1', 2, first.hash, 'end');
      const ended = await store.appendEvent(second, { status: 'failed', steps: 2, costUsd: 0.5 });
      expect(ended).toMatchObject({
        headSeq: 2,
        headHash: second.hash,
        status: 'failed',
        steps: 2,
        costUsd: 0.5,
      });
      expect(await store.getTask('t1')).toEqual(ended);
      // Read back exactly as appended: every field, types and all.
      expect(await store.listEvents('t1')).toStrictEqual([first, second]);
      expect(await store.lastEvent('t1')).toStrictEqual(second);
      // Another task's journal numbers from 1 on its own.
      await store.appendEvent(eventOf('t2', 1, ZERO_HASH));
      expect((await store.listEvents('t2')).map((event) => event.seq)).toEqual([1]);
      const ofType = await store.eventsOfType('tool-call-start', ['t2', 't1', 'missing']);
      expect(ofType.map((event) => [event.taskId, event.seq])).toEqual([
        ['t1', 1],
        ['t1', 2],
        ['t2', 1],
      ]);
      expect(await store.eventsOfType('tool-call-start', [])).toEqual([]);
      expect((await store.getTask('t2'))?.headSeq).toBe(1);
    });

    it('refuses an event whose seq is not the next one, changing nothing', { timeout }, async () => {
      await store.createTask(newTask('t1'));
      const first = eventOf('t1', 1, ZERO_HASH);
      await store.appendEvent(first);
      const before = await store.getTask('t1');
      for (const seq of [1, 3, 0]) {
        await expect(
          store.appendEvent(eventOf('t1', seq, first.hash, 'late'), { status: 'failed' }),
        ).rejects.toMatchObject({ code: 'journal-corrupt' });
      }
      expect(await store.listEvents('t1')).toStrictEqual([first]);
      expect(await store.getTask('t1')).toEqual(before);
      await expect(store.appendEvent(eventOf('missing', 1, ZERO_HASH))).rejects.toBeDefined();
      expect(await store.listEvents('missing')).toEqual([]);
    });

    it('lets exactly one of racing writers append the next event, through two stores', {
      timeout,
    }, async () => {
      const other = await openAgain();
      await store.createTask(newTask('t1'));
      const first = eventOf('t1', 1, ZERO_HASH);
      await store.appendEvent(first);
      const racers = Array.from({ length: 12 }, (_, index) =>
        (index % 2 === 0 ? store : other).appendEvent(eventOf('t1', 2, first.hash, `racer-${index}`)),
      );
      const settled = await Promise.allSettled(racers);
      expect(settled.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      for (const result of settled) {
        if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'journal-corrupt' });
      }
      const events = await other.listEvents('t1');
      expect(events.map((event) => event.seq)).toEqual([1, 2]);
      expect((await store.getTask('t1'))?.headHash).toBe(events[1]?.hash);
    });

    it('keeps one linear chain when writers in two stores append until each has written', {
      timeout,
    }, async () => {
      const other = await openAgain();
      await store.createTask(newTask('t1'));
      // Each writer reads the head, appends after it, and on `journal-corrupt` reads again and retries.
      const writer = async (through: Store, name: string, count: number) => {
        for (let written = 0; written < count; ) {
          const last = await through.lastEvent('t1');
          try {
            await through.appendEvent(eventOf('t1', (last?.seq ?? 0) + 1, last?.hash ?? ZERO_HASH, name));
            written++;
          } catch (error) {
            if ((error as { code?: string }).code !== 'journal-corrupt') throw error;
          }
        }
      };
      await Promise.all([
        writer(store, 'a', 8),
        writer(other, 'b', 8),
        writer(store, 'c', 8),
        writer(other, 'd', 8),
      ]);
      const events = await store.listEvents('t1');
      expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 32 }, (_, index) => index + 1));
      events.forEach((event, index) => {
        expect(event.prevHash).toBe(index === 0 ? ZERO_HASH : events[index - 1]?.hash);
      });
      expect(await other.getTask('t1')).toMatchObject({ headSeq: 32, headHash: events.at(-1)?.hash });
    });

    it('stores checkpoints in order and finds the newest that holds a task', { timeout }, async () => {
      for (const id of ['t1', 't2', 't3']) await store.createTask(newTask(id));
      expect(await store.latestCheckpoint()).toBeUndefined();
      const first = eventOf('t1', 1, ZERO_HASH);
      await store.appendEvent(first);
      const t2 = eventOf('t2', 1, ZERO_HASH);
      await store.appendEvent(t2);
      expect((await store.tasksChangedSinceCheckpoint()).map((task) => task.id)).toEqual(['t1', 't2']);
      const one = checkpointOf(
        1,
        { t1: { seq: 1, hash: first.hash }, t2: { seq: 1, hash: t2.hash } },
        ZERO_HASH,
      );
      await store.appendCheckpoint(one);
      expect(await store.latestCheckpoint()).toStrictEqual(one);
      expect(await store.tasksChangedSinceCheckpoint()).toEqual([]);
      const second = eventOf('t1', 2, first.hash);
      await store.appendEvent(second);
      expect((await store.tasksChangedSinceCheckpoint()).map((task) => task.id)).toEqual(['t1']);
      const two = checkpointOf(2, { t1: { seq: 2, hash: second.hash } }, one.hash);
      await store.appendCheckpoint(two);
      for (const seq of [2, 4, 0]) {
        await expect(store.appendCheckpoint(checkpointOf(seq, {}, two.hash))).rejects.toMatchObject({
          code: 'journal-corrupt',
        });
      }
      expect(await store.latestCheckpoint()).toStrictEqual(two);
      expect(await store.latestCheckpointFor('t1')).toStrictEqual(two);
      expect(await store.latestCheckpointFor('t2')).toStrictEqual(one);
      expect(await store.latestCheckpointFor('t3')).toBeUndefined();
      expect(await store.tasksChangedSinceCheckpoint()).toEqual([]);
    });

    it('keeps everything when the database is opened again', { timeout }, async () => {
      await store.createTask(newTask('t1'));
      const first = eventOf('t1', 1, ZERO_HASH);
      await store.appendEvent(first, { steps: 1 });
      const one = checkpointOf(1, { t1: { seq: 1, hash: first.hash } }, ZERO_HASH);
      await store.appendCheckpoint(one);
      const task = await store.getTask('t1');
      await store.close();
      const again = await openAgain();
      expect(await again.getTask('t1')).toEqual(task);
      expect(await again.listEvents('t1')).toStrictEqual([first]);
      expect(await again.latestCheckpoint()).toStrictEqual(one);
      // Numbering resumes where it stopped.
      await expect(again.appendEvent(eventOf('t1', 2, first.hash))).resolves.toMatchObject({ headSeq: 2 });
    });
  });
}
