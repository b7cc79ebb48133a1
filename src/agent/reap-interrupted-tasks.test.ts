import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from '../journal/index.ts';
import type { TaskOwner } from '../spec/types.ts';
import { openSqliteStore, type SqliteStore } from '../store/index.ts';
import { reapInterruptedTasks } from './reap-interrupted-tasks.ts';
import { currentTaskOwner } from './task-owner.ts';

const NOW = new Date('2026-01-01T12:00:00.000Z');
/** A worker on another machine: its process cannot be checked from here, only its lease. */
const ELSEWHERE: TaskOwner = { host: 'worker-on-another-host', pid: 4242, bootId: 'b', startTicks: '1' };

describe('reaping a fleet worker’s task', () => {
  let dir: string;
  let store: SqliteStore;
  let journal: Journal;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'warden-reap-'));
    store = openSqliteStore(path.join(dir, 'warden.db'));
    journal = new Journal(store);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (id: string, owner: TaskOwner, leaseUntil: string | null) => {
    await store.createTask({
      id,
      prompt: 'fix it',
      repo: '/repo',
      baseCommit: 'abc',
      model: 'scripted:x',
      requestedBy: 'tester',
      createdAt: NOW.toISOString(),
      owner,
      leaseUntil,
    });
    await journal.append(id, 'task-start', {
      prompt: 'fix it',
      repo: '/repo',
      baseCommit: 'abc',
      model: 'scripted:x',
      requestedBy: 'tester',
    } as never);
  };
  const reap = () =>
    reapInterruptedTasks({
      store,
      journal,
      scratchDir: path.join(dir, 'scratch'),
      keepMs: 60_000,
      releaseReservations: async () => 0,
      bookedUsd: async () => 0,
      now: NOW,
      here: currentTaskOwner(),
    });

  it('takes over a task on another host once its lease has passed, and records the lease in the handover', async () => {
    await start('passed', ELSEWHERE, '2026-01-01T11:59:59.000Z');
    await start('held', ELSEWHERE, '2026-01-01T12:00:30.000Z');
    await start('unleased', ELSEWHERE, null);

    const reaped = await reap();

    expect(reaped.interrupted).toEqual(['passed']);
    expect((await store.getTask('held'))?.status).toBe('running');
    // Without a lease, a task on another host may well be running there: it is left alone.
    expect((await store.getTask('unleased'))?.status).toBe('running');
    const handover = (await journal.events('passed')).at(-1);
    expect(handover).toMatchObject({
      type: 'task-interrupted',
      owner: ELSEWHERE,
      reapedBy: currentTaskOwner(),
      leaseUntil: '2026-01-01T11:59:59.000Z',
    });
    expect((await journal.verify('passed')).ok).toBe(true);
  });
});
