import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { CircuitBreakers, SpendLedger } from '../../src/guard/index.ts';
import { costOf, loadPriceTable } from '../../src/model/index.ts';
import {
  openSqliteStore,
  SqliteBreakerStore,
  SqliteOutcomeStore,
  SqliteSpendStore,
} from '../../src/store/index.ts';

let home: string;

async function warden(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main([...argv, '--data-dir', home], {
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
    interactive: false,
    env: {},
    cwd: home,
  });
  return { code, stdout, stderr };
}

const table = loadPriceTable();
const usage = { input: 2000, output: 500, cacheRead: 6000, cacheWrite: 0 };

beforeAll(async () => {
  home = mkdtempSync(path.join(tmpdir(), 'warden-cost-'));
  const store = openSqliteStore(path.join(home, 'warden.db'));
  const book = new SqliteSpendStore(store.database);
  const outcomes = new SqliteOutcomeStore(store.database);
  const unlimited = {
    taskUsd: null,
    taskTokens: null,
    agentDailyUsd: null,
    agentDailyTokens: null,
    teamDailyUsd: null,
    teamDailyTokens: null,
    fleetDailyUsd: null,
    fleetDailyTokens: null,
  };
  const ledger = new SpendLedger({ book, limits: unlimited });
  const calls: [string, string, string, string][] = [
    ['t1', 'fixer', 'anthropic:claude-haiku-4-5', 'small'],
    ['t1', 'fixer', 'anthropic:claude-sonnet-4-6', 'mid'],
    ['t2', 'fixer', 'anthropic:claude-haiku-4-5', 'small'],
    ['t3', 'reviewer', 'anthropic:claude-opus-4-7', 'top'],
  ];
  for (const [taskId, agent, key, tier] of calls) {
    const held = await ledger.reserve({ taskId, agent }, { usd: 1, tokens: 1 });
    if (!held.ok) throw new Error(held.reason);
    const cost = costOf(table, key, usage);
    await ledger.settle(
      held.reservation,
      { usd: cost.usd, tokens: 8500 },
      {
        stage: null,
        priceKey: key,
        priceTableVersion: table.version,
        tier,
        batch: false,
        ...usage,
        cacheWrite1h: 0,
        topTierUsd: costOf(table, 'anthropic:claude-opus-4-7', usage).usd,
      },
    );
  }
  await outcomes.record({ taskId: 't1', outcome: 'succeeded', agent: 'fixer', team: null, earlyExit: false });
  await outcomes.record({ taskId: 't2', outcome: 'failed', agent: 'fixer', team: null, earlyExit: false });
  await outcomes.record({
    taskId: 't3',
    outcome: 'succeeded',
    agent: 'reviewer',
    team: null,
    earlyExit: false,
  });
  await outcomes.record({
    taskId: 't4',
    outcome: 'already-done',
    agent: 'fixer',
    team: null,
    earlyExit: true,
  });
  await new CircuitBreakers({
    book: new SqliteBreakerStore(store.database),
    settings: {
      toolErrorWindow: 20,
      toolErrorRate: 0.5,
      providerFailures: 5,
      providerOpenSeconds: 60,
      probeTimeoutSeconds: 300,
      agentTaskTrips: 3,
      fleetAgentTrips: 3,
      tripWindowSeconds: 3600,
      openSeconds: 600,
    },
  }).record({ type: 'loop', scope: 'agent:fixer', detail: 'the same command 6 times' });
  await store.close();
});

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('warden cost', () => {
  it('--json prints spend, tasks, successes, cost per success and the top-tier counterfactual', async () => {
    const { code, stdout } = await warden('cost', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    const spend = [
      'anthropic:claude-haiku-4-5',
      'anthropic:claude-sonnet-4-6',
      'anthropic:claude-haiku-4-5',
      'anthropic:claude-opus-4-7',
    ]
      .map((key) => costOf(table, key, usage).usd)
      .reduce((sum, value) => sum + value, 0);
    expect(report.spendUsd).toBeCloseTo(spend, 9);
    expect(report).toMatchObject({
      tasks: 4,
      succeeded: 2,
      calls: 4,
      earlyExits: { alreadyDone: 1, notActionable: 0 },
    });
    expect(report.costPerSuccessUsd).toBeCloseTo(spend / 2, 9);
    expect(report.topTierCounterfactualUsd).toBeCloseTo(
      4 * costOf(table, 'anthropic:claude-opus-4-7', usage).usd,
      9,
    );
    expect(report.cacheHitRatio).toBeCloseTo(6000 / 8000, 9);
    expect(report.tierShare).toEqual({ small: 0.5, mid: 0.25, top: 0.25 });
    expect(report.economics.netValueUsd).toBeCloseTo(2 * 14 - spend, 9);
  });

  it('--by agent groups the figures', async () => {
    const report = JSON.parse((await warden('cost', '--by', 'agent', '--since', '7d', '--json')).stdout);
    expect(
      report.groups.map((group: { key: string; tasks: number; succeeded: number }) => [
        group.key,
        group.tasks,
        group.succeeded,
      ]),
    ).toEqual([
      ['fixer', 3, 1],
      ['reviewer', 1, 1],
    ]);
  });

  it('refuses a bad --by or --since with exit 2', async () => {
    expect((await warden('cost', '--by', 'colour')).code).toBe(2);
    expect((await warden('cost', '--since', 'yesterday')).code).toBe(2);
  });
});

describe('warden breakers', () => {
  it('--json lists scope, state and reason; reset closes it', async () => {
    const listed = JSON.parse((await warden('breakers', '--json')).stdout);
    expect(listed).toEqual([
      expect.objectContaining({
        scope: 'agent:fixer',
        kind: 'loop',
        state: 'open',
        reason: expect.stringContaining('loop detected'),
      }),
    ]);
    const reset = await warden('breakers', 'reset', 'agent:fixer');
    expect(reset).toMatchObject({ code: 0, stderr: 'closed loop on agent:fixer\n' });
    expect(JSON.parse((await warden('breakers', '--json')).stdout)[0]).toMatchObject({ state: 'closed' });
  });
});

describe('warden models', () => {
  it('lists every priced model with its tier and prices', async () => {
    const { code, stdout } = await warden('models', '--json');
    expect(code).toBe(0);
    const listed = JSON.parse(stdout);
    expect(listed.version).toBe('2026-11-01');
    expect(
      listed.models.find((model: { key: string }) => model.key === 'anthropic:claude-opus-4-7'),
    ).toMatchObject({
      tier: 'top',
      input: 5,
      cacheWrite1h: 10,
      batchInput: 2.5,
    });
    expect((await warden('models')).stdout).toMatch(
      /^anthropic:claude-opus-4-7\ttop\t5\t25\t6.25\t10\t0.5\t2.5\t12.5/m,
    );
  });
});
