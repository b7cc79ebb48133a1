import { describe, expect, it } from 'vitest';
import { type ReferenceTask, summarizeCosts } from '../../test/support/cost-summary-reference.ts';
import type { SpendEntryRow } from '../store/index.ts';
import { buildCostReport } from './cost-report.ts';

const entry = (taskId: string, agent: string, usd: number): SpendEntryRow => ({
  taskId,
  agent,
  team: null,
  stage: null,
  priceKey: 'anthropic:claude-sonnet-4-6',
  priceTableVersion: 'test',
  tier: 'mid',
  batch: false,
  usd,
  tokens: 1000,
  input: 900,
  output: 100,
  cacheRead: 0,
  cacheWrite: 0,
  cacheWrite1h: 0,
  topTierUsd: usd * 2,
  day: '2026-12-02',
  at: '2026-12-02T10:00:00.000Z',
});
const task = (taskId: string, agent: string, outcome: ReferenceTask['outcome']): ReferenceTask => ({
  taskId,
  outcome,
  agent,
  team: null,
  earlyExit: false,
  day: '2026-12-02',
});

describe('buildCostReport', () => {
  it('counts only verified successes, and the unverified apart', () => {
    const report = buildCostReport({
      summary: summarizeCosts(
        [entry('t1', 'fixer', 1), entry('t2', 'fixer', 1), entry('t3', 'reviewer', 2)],
        [
          task('t1', 'fixer', 'succeeded'),
          task('t2', 'fixer', 'unverified'),
          task('t3', 'reviewer', 'unverified'),
        ],
        'agent',
      ),
      by: 'agent',
      since: null,
      days: 1,
      valuePerSuccessUsd: 10,
      setupCostUsd: 0,
    });
    expect(report).toMatchObject({
      tasks: 3,
      succeeded: 1,
      unverified: 2,
      spendUsd: 4,
      costPerSuccessUsd: 4,
    });
    // Unit economics count the value of verified successes only.
    expect(report.economics.netValueUsd).toBe(10 - 4);
    expect(
      report.groups?.map((group) => [group.key, group.succeeded, group.unverified, group.costPerSuccessUsd]),
    ).toEqual([
      ['fixer', 1, 1, 2],
      ['reviewer', 0, 1, null],
    ]);
  });
});
