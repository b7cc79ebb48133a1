import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from '../journal/index.ts';
import { policyStats, policyStatsOf } from '../policy/policy-stats.ts';
import { SqliteReportStore } from './report-store.ts';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';

const START = Date.parse('2026-11-20T08:00:00.000Z');

let store: SqliteStore;
let clock: number;
let journal: Journal;

beforeEach(() => {
  store = openSqliteStore(':memory:');
  clock = START;
  journal = new Journal(store, {
    now: () => {
      clock += 60_000;
      return new Date(clock);
    },
  });
});
afterEach(() => store.close());

/** A task as `warden run` journals it: its start (with an agent, or none), then decisions. */
async function task(
  id: string,
  agent: unknown,
  decisions: { tool: string; decision: string; policyIds?: unknown }[],
): Promise<void> {
  await store.createTask({
    id,
    prompt: 'p',
    repo: '/repo',
    baseCommit: '0'.repeat(40),
    model: 'scripted:x',
    requestedBy: `requester-of-${id}`,
    createdAt: new Date(clock).toISOString(),
  });
  const start = {
    prompt: 'p',
    repo: '/repo',
    baseCommit: '0'.repeat(40),
    model: 'scripted:x',
    requestedBy: `requester-of-${id}`,
    team: 'default',
    createBranch: true,
    limits: null,
    ...(agent === undefined ? {} : { agent }),
  };
  await journal.append(id, 'task-start', start as never);
  for (const [index, { tool, decision, policyIds }] of decisions.entries()) {
    await journal.append(id, 'decision', {
      toolCallId: `${id}-${index}`,
      tool,
      decider: 'cedar',
      decision,
      reasons: [],
      ...(policyIds === undefined ? {} : { policyIds }),
    } as never);
  }
}

describe('SqliteReportStore.decisionTallies', () => {
  beforeEach(async () => {
    await task('t1', 'alice', [
      { tool: 'shell', decision: 'allow', policyIds: ['shell-dev'] },
      { tool: 'shell', decision: 'deny', policyIds: ['shell-no-push', 'shell-dev'] },
      { tool: 'read_file', decision: 'allow', policyIds: [] },
      { tool: 'shell', decision: 'maybe', policyIds: ['edited'] },
    ]);
    await task('t2', undefined, [
      { tool: 'forge.open_pr', decision: 'ask', policyIds: ['forge-ask'] },
      { tool: 'shell', decision: 'allow' },
    ]);
    await task('t3', 42, [
      { tool: 'shell', decision: 'deny', policyIds: 'shell-no-push' },
      { tool: 'write_file', decision: 'allow', policyIds: ['files'] },
      { tool: 'shell', decision: 'ask', policyIds: ['shell-dev'] },
    ]);
  });

  it.each([
    ['everything', undefined],
    ['a period that starts mid-journal', new Date(START + 6.5 * 60_000)],
  ])('counts what the journals read one event at a time count: %s', async (_name, since) => {
    const journals = [];
    for (const id of ['t1', 't2', 't3']) {
      const events = await store.listEvents(id);
      const start = events.find((event) => event.type === 'task-start');
      const taskRow = await store.getTask(id);
      const agent = typeof start?.agent === 'string' ? start.agent : (taskRow?.requestedBy ?? '');
      journals.push({ agent, events });
    }
    const tallies = await new SqliteReportStore(store.database).decisionTallies({
      sinceAt: since?.toISOString(),
    });
    expect(policyStatsOf(tallies)).toEqual(policyStats(journals, since));
  });

  it('counts every task, not only the most recent ones, and names who ran each', async () => {
    for (let index = 0; index < 60; index++) {
      await task(`bulk-${index}`, 'bulk', [
        { tool: 'shell', decision: 'deny', policyIds: ['shell-no-push'] },
      ]);
    }
    const stats = policyStatsOf(await new SqliteReportStore(store.database).decisionTallies({}));
    expect(stats.decisions).toBe(68);
    expect(stats.byAgent.map((row) => [row.key, row.total])).toEqual([
      ['bulk', 60],
      ['alice', 3],
      ['requester-of-t3', 3],
      ['requester-of-t2', 2],
    ]);
    expect(stats.byPolicy.find((row) => row.key === 'shell-no-push')).toMatchObject({ deny: 61, total: 61 });
    expect(stats.byPolicy.find((row) => row.key === '(none)')).toMatchObject({ total: 3 });
  });
});
