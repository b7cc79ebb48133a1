import { Journal } from '../journal/index.ts';
import { policyStats, policyStatsOf } from '../policy/policy-stats.ts';
import { SystemError } from '../spec/errors.ts';
import type { CostGrouping, ReportStore } from '../spec/report-store.ts';
import type { SpendStore, UnreadableSpendEntry } from '../spec/spend-store.ts';
import { describeEngine, type EngineStoresUnderTest } from './engine-stores.ts';
import {
  fillReports,
  type ReportSources,
  rawEntrySql,
  referenceReport,
  sortedGroups,
} from './report-store-fixtures.ts';

/** A fresh, empty database for one test with its stores, the reports and the spend ledger on it. */
export interface ReportStoresUnderTest extends EngineStoresUnderTest {
  spend: SpendStore;
  reports: ReportStore;
  /** Runs `sql` (statements both engines read, no parameters) on the database as is, past the stores. */
  execute: (sql: string) => Promise<void>;
}

export interface ReportStoreConformanceOptions {
  /** Makes an empty database for one test; called once per test. */
  open: () => Promise<ReportStoresUnderTest>;
  /** Suite title. Default: `report store conformance`. */
  name?: string;
  /** Skip the whole suite with this reason printed (for example, no server reachable). */
  skipReason?: string | undefined;
  /** Per-test timeout in ms. Default: 60 000. */
  timeoutMs?: number;
}

const START = Date.parse('2026-11-20T08:00:00.000Z');

/**
 * Registers the Vitest suite every `ReportStore` must pass: the cost summary answers what the rows summed
 * one by one answer (the reference of `test/support`) for every grouping and period, follows an operator's
 * edits at once, names every unreadable entry once with why and leaves it out, sums money exactly in
 * nano-dollars, counts a success backed by a pull request only once it is accepted, and answers zeros on
 * an empty store; the decision tallies count what the journals read one event at a time count, over every
 * task. Await it at the top level of a test file; it imports Vitest lazily.
 */
export async function runReportStoreConformance(options: ReportStoreConformanceOptions): Promise<void> {
  const { expect, it } = await import('vitest');
  let current: ReportStoresUnderTest | undefined;
  const stores = () => {
    if (!current) throw new SystemError('store-failed', 'no stores: the suite opens them before each test');
    return current;
  };
  const sources = (): ReportSources => ({ ...stores(), outcomes: stores().outcomes() });
  const engine = {
    name: options.name ?? 'report store conformance',
    ...(options.skipReason ? { skipReason: options.skipReason } : {}),
    timeoutMs: options.timeoutMs ?? 60_000,
    open: async () => {
      current = await options.open();
      return current;
    },
  };

  await describeEngine(engine, 'report store conformance', (_stores, timeout) => {
    const periods = [undefined, new Date(START + 4.5 * 86_400_000).toISOString()];
    const groupings: (CostGrouping | undefined)[] = [undefined, 'agent', 'model', 'team', 'day'];

    it.each([1, 2, 3])(
      'costSummary answers what the rows summed one by one answer, for every grouping and period (seed %i)',
      async (seed) => {
        await fillReports(sources(), seed);
        for (const sinceAt of periods) {
          for (const groupBy of groupings) {
            const unreadable: UnreadableSpendEntry[] = [];
            const summary = await stores().reports.costSummary({ sinceAt, groupBy }, (entry) =>
              unreadable.push(entry),
            );
            const expected = await referenceReport(sources(), sinceAt, groupBy);
            expect(sortedGroups(summary), `since ${sinceAt} by ${groupBy}`).toEqual(expected.summary);
            expect(unreadable).toEqual(expected.unreadable);
          }
        }
      },
      timeout,
    );

    it('costSummary follows an operator who corrects, edits or deletes entries by hand, at once', async () => {
      await fillReports(sources(), 5);
      await stores().execute(`UPDATE spend_entries SET usd_nanos = 1234
          WHERE task_id = 'task-01' AND usd_nanos > 9007199254740991;
        UPDATE spend_entries SET input_tokens = -1 WHERE id = 3;
        UPDATE spend_entries SET agent = 'renamed', tier = 'small' WHERE id IN (5, 6, 11);
        DELETE FROM spend_entries WHERE id IN (1, 2, 8, 20);`);
      for (const groupBy of ['agent', 'model'] as const) {
        const summary = await stores().reports.costSummary({ groupBy });
        const expected = await referenceReport(sources(), undefined, groupBy);
        expect(sortedGroups(summary), `by ${groupBy}`).toEqual(expected.summary);
      }
    });

    it('costSummary leaves out every unreadable entry, naming each once with why', async () => {
      await fillReports(sources(), 4);
      const unreadable: string[] = [];
      const summary = await stores().reports.costSummary({ groupBy: 'agent' }, (entry) =>
        unreadable.push(`${entry.taskId}: ${entry.reason}`),
      );
      expect(unreadable).toEqual([
        'task-01: usd_nanos 750000000000000000 is not an integer between 0 and 2^53',
        'task-02: input_tokens -50 is not an integer between 0 and 2^53',
        'task-03: top_tier_nanos 9007199254740992 is not an integer between 0 and 2^53',
        'task-04: usd_nanos -1 is not an integer between 0 and 2^53',
      ]);
      expect(summary.total.spend.calls).toBe((await stores().spend.entries()).length);
    });

    it('costSummary sums money exactly in nano-dollars: 100,000 calls of $0.000000001 and one of $0.1', async () => {
      // One statement on both engines: a recursive CTE in front of an INSERT.
      await stores().execute(`${rawEntrySql('t', 0, { usdNanos: '100000000' })}
        WITH RECURSIVE calls (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM calls WHERE n < 100000)
        INSERT INTO spend_entries (task_id, day, at, price_key, price_table_version, usd_nanos, tokens,
          input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens)
        SELECT 't', '2026-11-20', '2026-11-20T08:00:00.000Z', 'k', 'v', 1, 1, 1, 0, 0, 0, 0 FROM calls;`);
      const summary = await stores().reports.costSummary({});
      expect(summary.total.spend.spendUsd).toBe(0.1001);
      expect(summary.total.spend.calls).toBe(100_001);
    });

    it('costSummary counts a succeeded task with a pull request only once the request is accepted', async () => {
      const at = new Date(START).toISOString();
      const outcomes = stores().outcomes();
      const pulls = stores().pullOutcomes();
      for (const [index, taskId] of ['none', 'open', 'merged', 'rejected', 'reverted'].entries()) {
        await outcomes.record({ taskId, outcome: 'succeeded', agent: 'fixer', team: null, earlyExit: false });
        if (taskId === 'none') continue;
        await pulls.opened({ taskId, repository: 'r', number: index, url: `u${index}`, at });
        if (taskId === 'open') continue;
        const merged = taskId !== 'rejected';
        await pulls.closed('r', taskId, { merged, mergeCommit: merged ? `c${index}` : null, at });
      }
      await pulls.reverted('r', ['c4'], at);
      const summary = await stores().reports.costSummary({ groupBy: 'agent' });
      expect(summary.total.tasks).toMatchObject({ tasks: 5, succeeded: 2 });
      expect(summary.groups).toEqual([expect.objectContaining({ key: 'fixer', tasks: summary.total.tasks })]);
    });

    it('costSummary answers zeros and no first time on an empty store', async () => {
      const summary = await stores().reports.costSummary({ groupBy: 'day' });
      expect(summary).toMatchObject({
        firstAt: null,
        groups: [],
        total: { spend: { calls: 0 }, tasks: { tasks: 0 } },
      });
    });

    it.each([
      ['everything', undefined],
      ['a period that starts mid-journal', new Date(START + 6.5 * 60_000)],
    ])(
      'decisionTallies counts what the journals read one event at a time count: %s',
      async (_name, since) => {
        await journalDecisions(stores());
        const journals = [];
        for (const id of ['t1', 't2', 't3']) {
          const events = await stores().store.listEvents(id);
          const start = events.find((event) => event.type === 'task-start');
          const taskRow = await stores().store.getTask(id);
          const agent = typeof start?.agent === 'string' ? start.agent : (taskRow?.requestedBy ?? '');
          journals.push({ agent, events });
        }
        const tallies = await stores().reports.decisionTallies({ sinceAt: since?.toISOString() });
        expect(policyStatsOf(tallies)).toEqual(policyStats(journals, since));
      },
    );

    it('decisionTallies counts every task, not only the most recent ones, and names who ran each', async () => {
      const journal = await journalDecisions(stores());
      for (let index = 0; index < 60; index++) {
        await journal(`bulk-${index}`, 'bulk', [
          { tool: 'shell', decision: 'deny', policyIds: ['shell-no-push'] },
        ]);
      }
      const stats = policyStatsOf(await stores().reports.decisionTallies({}));
      expect(stats.decisions).toBe(68);
      expect(stats.byAgent.map((row) => [row.key, row.total])).toEqual([
        ['bulk', 60],
        ['alice', 3],
        ['requester-of-t3', 3],
        ['requester-of-t2', 2],
      ]);
      expect(stats.byPolicy.find((row) => row.key === 'shell-no-push')).toMatchObject({
        deny: 61,
        total: 61,
      });
      expect(stats.byPolicy.find((row) => row.key === '(none)')).toMatchObject({ total: 3 });
    });
  });
}

type Decision = { tool: string; decision: string; policyIds?: unknown };

/**
 * Journals three tasks as `warden run` does, a minute per event from `START`: their start (with an agent,
 * none, or one that is not a string), then decisions (one not `allow`, `deny` or `ask`; policy ids as a
 * list, an empty one, none, or a string). Returns the function that journals another task.
 */
async function journalDecisions(
  stores: ReportStoresUnderTest,
): Promise<(id: string, agent: unknown, decisions: Decision[]) => Promise<void>> {
  let clock = START;
  const journal = new Journal(stores.store, {
    now: () => {
      clock += 60_000;
      return new Date(clock);
    },
  });
  const task = async (id: string, agent: unknown, decisions: Decision[]) => {
    const start = {
      prompt: 'p',
      repo: '/repo',
      baseCommit: '0'.repeat(40),
      model: 'scripted:x',
      requestedBy: `requester-of-${id}`,
    };
    await stores.store.createTask({ id, ...start, createdAt: new Date(clock).toISOString() });
    const body = { ...start, team: 'default', createBranch: true, limits: null };
    await journal.append(id, 'task-start', (agent === undefined ? body : { ...body, agent }) as never);
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
  };
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
  return task;
}
