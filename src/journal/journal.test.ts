import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../store/index.ts';
import { CHECKPOINT_KEY_FILE, loadCheckpointKey } from './checkpoint-key.ts';
import { Checkpoints } from './checkpoints.ts';
import { GENESIS_HASH, hashEvent } from './hash-event.ts';
import { Journal } from './journal.ts';

const START = {
  prompt: 'fix it',
  repo: '/repo',
  baseCommit: 'abc',
  model: 'scripted:x',
  requestedBy: 'tester',
  agent: 'default',
  team: 'default',
  createBranch: true,
  limits: null,
};
const LS = { toolCallId: 'call-1', tool: 'shell', input: { command: 'ls' } };
const ALLOW = {
  toolCallId: 'call-1',
  tool: 'shell',
  decider: 'cedar',
  decision: 'allow' as const,
  reasons: [],
  policyIds: [],
};
const end = (status: 'succeeded' | 'failed', steps: number, costUsd: number) => ({
  status,
  stopReason: status === 'succeeded' ? ('finished' as const) : ('error' as const),
  detail: '',
  steps,
  costUsd,
  tokens: 0,
  cacheHitRatio: null,
});

describe('Journal', () => {
  let dir: string;
  let store: SqliteStore;
  let journal: Journal;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-journal-'));
    store = openSqliteStore(join(dir, 'warden.db'));
    journal = new Journal(store);
    await store.createTask({
      id: 't1',
      prompt: 'fix it',
      repo: '/repo',
      baseCommit: 'abc',
      model: 'scripted:x',
      requestedBy: 'tester',
      createdAt: new Date().toISOString(),
    });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('chains events with seq, prevHash and a SHA-256 of their content', async () => {
    const first = await journal.append('t1', 'task-start', START);
    const second = await journal.append('t1', 'tool-call-start', LS);
    expect(first.seq).toBe(1);
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(second.seq).toBe(2);
    expect(second.prevHash).toBe(first.hash);
    expect(second.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await journal.verify('t1')).toEqual({ ok: true, events: 2, state: 'incomplete' });
  });

  it('takes the fields of each type and reads them back narrowed by type', async () => {
    await journal.append('t1', 'task-start', START);
    const ended = await journal.append('t1', 'tool-call-end', {
      toolCallId: 'call-1',
      tool: 'shell',
      output: 'ok',
      outputChars: 2,
      outputTrimmed: false,
      isError: false,
      exitCode: undefined,
      durationMs: 3,
    });
    // Stored as hashed: the field left undefined is not there.
    expect(Object.hasOwn(ended, 'exitCode')).toBe(false);
    // The compiler refuses what the map does not allow (`npm run typecheck` fails if it stops refusing).
    const refused = () => [
      // @ts-expect-error a tool-call-end must say how the call ended
      journal.append('t1', 'tool-call-end', { toolCallId: 'call-2', tool: 'shell' }),
      // @ts-expect-error no event type `tool-call-finish`
      journal.append('t1', 'tool-call-finish', {}),
      // @ts-expect-error `durationMs` is a number
      journal.append('t1', 'tool-call-end', { ...ended, durationMs: '3' }),
    ];
    expect(typeof refused).toBe('function');
    const durations = (await journal.events('t1')).flatMap((event) =>
      event.type === 'tool-call-end' ? [event.durationMs] : [],
    );
    expect(durations).toEqual([3]);
  });

  it('keeps order under concurrent appends', async () => {
    await journal.append('t1', 'task-start', START);
    await Promise.all(
      Array.from({ length: 24 }, (_, index) =>
        journal.append('t1', 'decision', { ...ALLOW, toolCallId: `call-${index}` }),
      ),
    );
    const events = await journal.events('t1');
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 25 }, (_, index) => index + 1));
    expect((await journal.verify('t1')).ok).toBe(true);
  });

  it('detects an event edited in the database after the fact', async () => {
    await journal.append('t1', 'task-start', START);
    await journal.append('t1', 'tool-call-start', LS);
    await journal.append('t1', 'task-end', end('succeeded', 0, 0));
    await store.close();
    const raw = new DatabaseSync(join(dir, 'warden.db'));
    raw
      .prepare('UPDATE events SET body = ? WHERE seq = 2')
      .run(JSON.stringify({ tool: 'shell', input: { command: 'rm -rf /' } }));
    raw.close();
    store = openSqliteStore(join(dir, 'warden.db'));
    const verification = await new Journal(store).verify('t1');
    expect(verification).toMatchObject({
      ok: false,
      brokenAt: 2,
      problem: 'content does not match its hash',
    });
  });

  // The store's refusal of a second writer (`journal-corrupt`) is in the store conformance suite
  // (src/testing/store-conformance.ts), run against SQLite and PostgreSQL.

  it('survives a reopen with the chain intact and resumes numbering', async () => {
    await journal.append('t1', 'task-start', START);
    await store.close();
    store = openSqliteStore(join(dir, 'warden.db'));
    journal = new Journal(store);
    const { event: next } = await journal.appendAndUpdate('t1', 'task-end', end('failed', 0, 0), {
      status: 'failed',
    });
    expect(next.seq).toBe(2);
    expect(await journal.verify('t1')).toMatchObject({ ok: true, state: 'complete' });
  });

  it('detects a truncated tail through the head the task row keeps', async () => {
    await journal.append('t1', 'task-start', START);
    await journal.append('t1', 'decision', ALLOW);
    await store.close();
    const raw = new DatabaseSync(join(dir, 'warden.db'));
    raw.prepare('DELETE FROM events WHERE seq = 2').run();
    raw.close();
    store = openSqliteStore(join(dir, 'warden.db'));
    expect(await new Journal(store).verify('t1')).toMatchObject({ ok: false, problem: /truncated/ });
  });

  it('detects a finished task whose row disagrees with the event that ends its chain', async () => {
    await journal.append('t1', 'task-start', START);
    await journal.appendAndUpdate('t1', 'task-end', end('succeeded', 3, 0.5), {
      status: 'succeeded',
      steps: 3,
      costUsd: 0.5,
    });
    expect(await journal.verify('t1')).toMatchObject({ ok: true, state: 'complete' });
    await store.updateTask('t1', { costUsd: 0.01 });
    expect(await journal.verify('t1')).toMatchObject({ ok: false, problem: /disagrees.*cost 0.5/ });
  });

  it('seals checkpoints at run ends and detects a chain rewritten after one', async () => {
    const checkpoints = new Checkpoints(store, loadCheckpointKey(dir));
    const sealing = new Journal(store, { checkpoints });
    await sealing.append('t1', 'task-start', START);
    await sealing.appendAndUpdate('t1', 'task-end', end('failed', 0, 0), { status: 'failed' });
    expect(statSync(join(dir, CHECKPOINT_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(await sealing.verify('t1')).toMatchObject({ ok: true, checkpoint: 1 });
    // Rewrite the first event and re-hash the chain, row head included.
    const events = await store.listEvents('t1');
    const first = { ...events[0]!, prompt: 'something else' };
    first.hash = hashEvent(first);
    const second = { ...events[1]!, prevHash: first.hash };
    second.hash = hashEvent(second);
    await store.close();
    const raw = new DatabaseSync(join(dir, 'warden.db'));
    raw.prepare('DELETE FROM events').run();
    raw.prepare('UPDATE tasks SET head_seq = 0').run();
    raw.close();
    store = openSqliteStore(join(dir, 'warden.db'));
    await store.appendEvent(first);
    await store.appendEvent(second);
    const reopened = new Journal(store, { checkpoints: new Checkpoints(store, loadCheckpointKey(dir)) });
    expect(await new Journal(store).verify('t1')).toMatchObject({ ok: true });
    expect(await reopened.verify('t1')).toMatchObject({ ok: false, checkpoint: 1, problem: /rewritten/ });
  });
});
