import { referenceCostSummary } from '../../test/support/cost-summary-reference.ts';
import type { OutcomeStore, TaskOutcome } from '../spec/outcome-store.ts';
import type { CostGrouping, CostSummary } from '../spec/report-store.ts';
import type { SpendEntry, SpendStore, UnreadableSpendEntry } from '../spec/spend-store.ts';
import type { Store } from '../spec/store.ts';
import type { TaskStatus } from '../spec/types.ts';

/** The stores a report is filled through and checked against, with a way past them. */
export interface ReportSources {
  store: Store;
  spend: SpendStore;
  outcomes: OutcomeStore;
  /** Runs `sql` (statements both engines read, no parameters) on the database as is, past the stores. */
  execute: (sql: string) => Promise<void>;
}

/** When the filled tasks start: ten days from here. */
export const REPORT_START = Date.parse('2026-11-20T08:00:00.000Z');
const DAY_MS = 86_400_000;

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

/** Always the same sequence of numbers in [0, 1), so a failure can be replayed. */
function numbers(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/**
 * A `spend_entries` row written past the ledger, as an older version or an operator would, `days` after
 * the start, with the amounts given (as SQL literals) and the others in range.
 */
export function rawEntrySql(
  taskId: string,
  days: number,
  amounts: { usdNanos?: string; input?: string; topTierNanos?: string } = {},
): string {
  const at = new Date(REPORT_START + days * DAY_MS).toISOString();
  return `INSERT INTO spend_entries (task_id, agent, day, at, price_key, price_table_version, usd_nanos, tokens,
      input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, top_tier_nanos)
    VALUES ('${taskId}', 'fixer', '${at.slice(0, 10)}', '${at}', 'k', 'v', ${amounts.usdNanos ?? '1000'}, 10,
      ${amounts.input ?? '10'}, 5, 0, 0, 0, ${amounts.topTierNanos ?? 'NULL'});`;
}

/**
 * Forty tasks through the stores' own write paths, over ten days: calls with and without agent, team,
 * tier and top-tier price; tasks still running, ended without an outcome, with an outcome (some early
 * exits, some recorded again later); calls of no task and of a task the store does not hold; and four
 * rows an older version wrote with an amount out of range (tasks 01 to 04, in that order).
 */
export async function fillReports(sources: ReportSources, seed: number): Promise<void> {
  const { store, spend, outcomes } = sources;
  const next = numbers(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  for (let index = 0; index < 40; index++) {
    const taskId = `task-${String(index).padStart(2, '0')}`;
    const started = REPORT_START + Math.floor(next() * 10 * DAY_MS);
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
      if (!held.ok) throw new Error(`the ledger refused a call of ${taskId}`);
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
  await sources.execute(
    [
      rawEntrySql('task-01', 2, { usdNanos: '750000000000000000' }),
      rawEntrySql('task-02', 5, { input: '-50' }),
      rawEntrySql('task-03', 8, { topTierNanos: '9007199254740992' }),
      rawEntrySql('task-04', 9, { usdNanos: '-1' }),
    ].join('\n'),
  );
}

/**
 * The reference summary over everything the stores read back, as `warden cost` computed it before the
 * store aggregated (groups sorted by key), and the entries the ledger itself names unreadable.
 */
export async function referenceReport(
  sources: Omit<ReportSources, 'execute'>,
  sinceAt: string | undefined,
  by: CostGrouping | undefined,
): Promise<{ summary: CostSummary; unreadable: UnreadableSpendEntry[] }> {
  const tasks = await sources.store.listTasks({ limit: 1_000 });
  const statuses = new Map(tasks.map((task) => [task.id, task.status]));
  const unreadable: UnreadableSpendEntry[] = [];
  const summary = referenceCostSummary({
    entries: await sources.spend.entries({ ...(sinceAt ? { sinceAt } : {}) }, (entry) =>
      unreadable.push(entry),
    ),
    outcomes: await sources.outcomes.list({ ...(sinceAt ? { sinceAt } : {}) }),
    status: (taskId) => statuses.get(taskId),
    by,
  });
  return { summary: sortedGroups(summary), unreadable };
}

/** `summary` with its groups sorted by key, to compare summaries whose groups come in no order. */
export function sortedGroups(summary: CostSummary): CostSummary {
  if (summary.groups === undefined) return summary;
  return { ...summary, groups: [...summary.groups].sort((left, right) => (left.key < right.key ? -1 : 1)) };
}
