import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { referenceCostSummary } from '../../test/support/cost-summary-reference.ts';
import type {
  CostGrouping,
  CostSummary,
  SpendEntry,
  TaskOutcome,
  TaskStatus,
  UnreadableSpendEntry,
} from '../spec/index.ts';
import { MIGRATIONS } from './migrations.ts';
import { SqliteOutcomeStore } from './outcome-store.ts';
import { SqliteReportStore } from './report-store.ts';
import { SqliteSpendStore } from './spend-store.ts';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';

const AGENTS = ['fixer', 'reviewer', null];
const TEAMS = ['platform', null, 'payments'];
const MODELS = [
  { priceKey: 'anthropic:claude-haiku-4-5', tier: 'small' },
  { priceKey: 'anthropic:claude-opus-4-6', tier: 'top' },
  { priceKey: 'local:llama', tier: null },
];
const STATUSES: TaskStatus[] = [
  'running',
  'succeeded',
  'failed',
  'interrupted',
  'unverified',
  'awaiting_approval',
];
const OUTCOMES: TaskOutcome[] = [
  'succeeded',
  'unverified',
  'failed',
  'stopped',
  'already-done',
  'not-actionable',
];
const START = Date.parse('2026-11-20T08:00:00.000Z');

let store: SqliteStore;
let spend: SqliteSpendStore;
let outcomes: SqliteOutcomeStore;
let reports: SqliteReportStore;

beforeEach(() => {
  store = openSqliteStore(':memory:');
  spend = new SqliteSpendStore(store.database);
  outcomes = new SqliteOutcomeStore(store.database);
  reports = new SqliteReportStore(store.database);
});
afterEach(() => store.close());

/** Always the same sequence of numbers in [0, 1), so a failure can be replayed. */
function numbers(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/**
 * Forty tasks through the stores' own write paths, over ten days: calls with and without agent, team,
 * tier and top-tier price; tasks still running, ended without an outcome, with an outcome (some early
 * exits, some recorded again later); calls of no task and of a task the store does not hold; and rows an
 * older version wrote out of range.
 */
async function fill(seed: number): Promise<void> {
  const next = numbers(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  for (let index = 0; index < 40; index++) {
    const taskId = `task-${String(index).padStart(2, '0')}`;
    const started = START + Math.floor(next() * 10 * 86_400_000);
    const agent = pick(AGENTS);
    const team = pick(TEAMS);
    if (index % 10 !== 9) {
      await store.createTask({
        id: taskId,
        prompt: 'p',
        repo: '/repo',
        baseCommit: 'a'.repeat(40),
        model: 'm',
        requestedBy: 'test',
        createdAt: new Date(started).toISOString(),
      });
      await store.updateTask(taskId, { status: pick(STATUSES) });
    }
    const calls = Math.floor(next() * 6);
    for (let call = 0; call < calls; call++) {
      const now = new Date(started + call * 3_600_000);
      const model = pick(MODELS);
      const usd = Math.floor(next() * 1_000_000) / 1_000_000;
      const input = Math.floor(next() * 5_000);
      const entry: SpendEntry = {
        taskId: index === 7 && call === 0 ? null : taskId,
        agent: call === 2 ? pick(AGENTS) : agent,
        team,
        stage: null,
        priceKey: model.priceKey,
        priceTableVersion: 'v',
        tier: model.tier,
        batch: false,
        usd,
        tokens: input + 100,
        input,
        output: 100,
        cacheRead: Math.floor(next() * 3_000),
        cacheWrite: Math.floor(next() * 500),
        cacheWrite1h: 0,
        topTierUsd: model.tier === null ? null : usd * 4.5,
      };
      const held = await spend.reserve({
        windows: [{ scope: `task:${taskId}`, window: 'all', limitUsd: null, limitTokens: null }],
        usd: 2,
        tokens: 100_000,
        now,
        ttlMs: 60_000,
      });
      if (!held.ok) throw new Error('refused');
      await spend.settle(held.reservation, { usd, tokens: entry.tokens }, entry, now);
    }
    if (next() < 0.6) {
      const outcome = pick(OUTCOMES);
      const at = new Date(started + 6 * 3_600_000);
      await outcomes.record(
        { taskId, outcome, agent: next() < 0.2 ? null : agent, team, earlyExit: next() < 0.5 },
        at,
      );
      if (index % 8 === 3)
        await outcomes.record({ taskId, outcome: 'succeeded', agent, team, earlyExit: false }, at);
    }
  }
  const corrupt = store.database.prepare(
    `INSERT INTO spend_entries (task_id, agent, day, at, price_key, price_table_version, usd_nanos, tokens,
       input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, top_tier_nanos)
     VALUES (?, 'fixer', ?, ?, 'k', 'v', ?, 10, ?, 5, 0, 0, 0, ?)`,
  );
  const at = (days: number) => new Date(START + days * 86_400_000).toISOString();
  corrupt.run('task-01', at(2).slice(0, 10), at(2), 750_000_000_000_000_000n, 10, null);
  corrupt.run('task-02', at(5).slice(0, 10), at(5), 1_000, -50, null);
  corrupt.run('task-03', at(8).slice(0, 10), at(8), 1_000, 10, 2.5);
  corrupt.run('task-04', at(9).slice(0, 10), at(9), 'lots', 10, null);
}

/** The reference summary over everything the stores read back, as `warden cost` computed it before. */
async function reference(sinceAt: string | undefined, by: CostGrouping | undefined) {
  const statuses = new Map((await store.listTasks({ limit: 1_000 })).map((task) => [task.id, task.status]));
  const unreadable: UnreadableSpendEntry[] = [];
  const summary = referenceCostSummary({
    entries: await spend.entries({ sinceAt }, (entry) => unreadable.push(entry)),
    outcomes: await outcomes.list({ sinceAt }),
    status: (taskId) => statuses.get(taskId),
    by,
  });
  return { summary: sorted(summary), unreadable };
}

function sorted(summary: CostSummary): CostSummary {
  if (summary.groups === undefined) return summary;
  return { ...summary, groups: [...summary.groups].sort((left, right) => (left.key < right.key ? -1 : 1)) };
}

describe('SqliteReportStore.costSummary', () => {
  const periods = [undefined, new Date(START + 4.5 * 86_400_000).toISOString()];
  const groupings: (CostGrouping | undefined)[] = [undefined, 'agent', 'model', 'team', 'day'];

  it.each([1, 2, 3])(
    'answers what the rows summed one by one answer, for every grouping and period (seed %i)',
    async (seed) => {
      await fill(seed);
      for (const sinceAt of periods) {
        for (const groupBy of groupings) {
          const unreadable: UnreadableSpendEntry[] = [];
          const summary = await reports.costSummary({ sinceAt, groupBy }, (entry) => unreadable.push(entry));
          const expected = await reference(sinceAt, groupBy);
          expect(sorted(summary), `since ${sinceAt} by ${groupBy}`).toEqual(expected.summary);
          expect(unreadable).toEqual(expected.unreadable);
        }
      }
    },
  );

  it('follows an operator who corrects, edits or deletes entries by hand, at once', async () => {
    await fill(5);
    const db = store.database;
    db.exec(`UPDATE spend_entries SET usd_nanos = 1234 WHERE task_id = 'task-01' AND typeof(usd_nanos) = 'integer'
      AND usd_nanos > 9007199254740991`);
    db.exec(`UPDATE spend_entries SET input_tokens = -1 WHERE id = 3`);
    db.exec(`UPDATE spend_entries SET agent = 'renamed', tier = 'small' WHERE id IN (5, 6, 11)`);
    db.exec('DELETE FROM spend_entries WHERE id IN (1, 2, 8, 20)');
    for (const groupBy of ['agent', 'model'] as const) {
      const summary = await reports.costSummary({ groupBy });
      expect(sorted(summary), `by ${groupBy}`).toEqual((await reference(undefined, groupBy)).summary);
    }
  });

  it('sums the entries of a store written before the reports were aggregated', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'warden-reports-')), 'old.db');
    const old = new DatabaseSync(file);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    for (const [index, migration] of MIGRATIONS.slice(0, 6).entries()) {
      old.exec(migration);
      old
        .prepare('INSERT INTO schema_migrations VALUES (?, ?)')
        .run(index + 1, new Date(START).toISOString());
    }
    const insert = old.prepare(
      `INSERT INTO spend_entries (task_id, agent, day, at, price_key, price_table_version, tier, usd_nanos, tokens,
         input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, top_tier_nanos)
       VALUES (?, ?, ?, ?, ?, 'v', ?, ?, 10, ?, 5, 3, 1, 0, ?)`,
    );
    for (let index = 0; index < 60; index++) {
      const at = new Date(START + index * 7_200_000).toISOString();
      insert.run(
        `old-${index % 7}`,
        AGENTS[index % 3] ?? null,
        at.slice(0, 10),
        at,
        `model-${index % 2}`,
        index % 4 === 0 ? null : 'mid',
        1_000 + index,
        index === 13 ? -4 : 10,
        index % 5 === 0 ? null : 9_000,
      );
    }
    old.close();
    const upgraded = openSqliteStore(file);
    try {
      store.close();
      store = upgraded;
      spend = new SqliteSpendStore(upgraded.database);
      outcomes = new SqliteOutcomeStore(upgraded.database);
      reports = new SqliteReportStore(upgraded.database);
      for (const groupBy of [undefined, 'agent', 'model', 'day'] as const) {
        const summary = await reports.costSummary({ groupBy });
        expect(sorted(summary), `by ${groupBy}`).toEqual((await reference(undefined, groupBy)).summary);
      }
      expect((await reports.costSummary({})).total.spend.calls).toBe(59);
    } finally {
      rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('leaves out every unreadable entry, naming each once with why', async () => {
    await fill(4);
    const unreadable: string[] = [];
    const summary = await reports.costSummary({ groupBy: 'agent' }, (entry) =>
      unreadable.push(`${entry.taskId}: ${entry.reason}`),
    );
    expect(unreadable).toEqual([
      'task-01: usd_nanos 750000000000000000 is not an integer between 0 and 2^53',
      'task-02: input_tokens -50 is not an integer between 0 and 2^53',
      'task-03: top_tier_nanos 2.5 is not an integer between 0 and 2^53',
      'task-04: usd_nanos lots is not an integer between 0 and 2^53',
    ]);
    expect(summary.total.spend.calls).toBe((await spend.entries()).length);
  });

  it('sums money exactly in nano-dollars: a hundred thousand calls of $0.000000001 and one of $0.1', async () => {
    const insert = store.database.prepare(
      `INSERT INTO spend_entries (task_id, day, at, price_key, price_table_version, usd_nanos, tokens,
         input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens)
       VALUES ('t', '2026-11-20', '2026-11-20T08:00:00.000Z', 'k', 'v', ?, 1, 1, 0, 0, 0, 0)`,
    );
    store.database.exec('BEGIN');
    insert.run(100_000_000);
    for (let index = 0; index < 100_000; index++) insert.run(1);
    store.database.exec('COMMIT');
    const summary = await reports.costSummary({});
    expect(summary.total.spend.spendUsd).toBe(0.1001);
    expect(summary.total.spend.calls).toBe(100_001);
  });

  it('answers zeros and no first time on an empty store', async () => {
    const summary = await reports.costSummary({ groupBy: 'day' });
    expect(summary).toMatchObject({
      firstAt: null,
      groups: [],
      total: { spend: { calls: 0 }, tasks: { tasks: 0 } },
    });
  });
});
