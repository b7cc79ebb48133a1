import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

/**
 * A vendor that lies about usage must never corrupt the books: whatever a reply claims, the call books at
 * most what was reserved for it, never a negative amount, and the next task and report still work.
 */
const MODEL = 'anthropic:claude-sonnet-4-6';
const list = (usage: unknown) => ({ tool_calls: [{ name: 'list_files', input: {} }], usage });
const done = { text: 'done', usage: { input_tokens: 1000, output_tokens: 10 } };

type Event = Record<string, unknown> & { type: string };

// Every test starts several real `warden run` processes.
describe('usage a vendor reports', { timeout: 180_000 }, () => {
  const work = scratch('lying-usage');
  let repo: string;
  const homeOf = (name: string) => path.join(work.dir, name);
  const run = (home: string, turns: unknown[], ...extra: string[]) =>
    runWarden(
      [
        'run',
        '--repo',
        repo,
        '--task',
        'look around',
        '--model',
        `scripted:${writeScript(work.dir, { model: MODEL, turns }, `script-${randomUUID()}.json`)}`,
        '--json',
        '--no-branch',
        '--data-dir',
        home,
        ...extra,
      ],
      { timeoutMs: 170_000 },
    );
  const trace = async (home: string, taskId: string) =>
    JSON.parse((await runWarden(['trace', taskId, '--json', '--data-dir', home])).stdout) as Event[];
  /** Spent USD of every window, read straight from the store (integers, so never out of range here). */
  const windows = (home: string) => {
    const database = new DatabaseSync(path.join(home, 'warden.db'));
    try {
      const statement = database.prepare('SELECT scope, spent_nanos FROM spend_windows');
      statement.setReadBigInts(true);
      return Object.fromEntries(
        (statement.all() as { scope: string; spent_nanos: bigint }[]).map((row) => [
          row.scope,
          Number(row.spent_nanos) / 1e9,
        ]),
      );
    } finally {
      database.close();
    }
  };
  const reservedOf = (events: Event[]) =>
    events.filter((event) => event.type === 'model-request').map((event) => Number(event.reservedUsd));

  beforeAll(() => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
  });
  afterAll(work.cleanup);

  it('1e15 input and -50 output fail the task as a provider error; the next run and report work', async () => {
    const home = homeOf('absurd');
    const lied = await run(home, [list({ input_tokens: 1e15, output_tokens: -50 }), done]);
    expect(lied.code, lied.stderr).toBe(1);
    const report = JSON.parse(lied.stdout);
    expect(report).toMatchObject({ status: 'failed', stopReason: 'model-error' });
    expect(report.detail).toMatch(/usage/);
    const events = await trace(home, report.taskId);
    const anomaly = events.find((event) => event.type === 'usage-anomaly');
    expect(anomaly).toMatchObject({ rawUsage: { input_tokens: 1e15, output_tokens: -50 } });
    // Booked: exactly the reservation, not the claim.
    expect(report.costUsd).toBeCloseTo(reservedOf(events)[0] ?? Number.NaN, 9);

    const next = await run(home, [done]);
    expect(next.code, next.stderr).toBe(0);
    const cost = await runWarden(['cost', '--json', '--data-dir', home]);
    expect(cost.code, cost.stderr).toBe(0);
    expect(JSON.parse(cost.stdout).spendUsd).toBeLessThan(1);
  });

  it('1e9 input and 1e9 output on a $2 task book at most the reservation and trip the provider breaker', async () => {
    const home = homeOf('billion');
    writeFileSync(path.join(work.dir, 'breakers.yaml'), 'breakers:\n  providerFailures: 1\n');
    const lied = await run(
      home,
      [list({ input_tokens: 1e9, output_tokens: 1e9 }), done],
      '--max-usd',
      '2',
      '--config',
      path.join(work.dir, 'breakers.yaml'),
    );
    expect(lied.code, lied.stderr).toBe(1);
    const report = JSON.parse(lied.stdout);
    expect(report.stopReason).toBe('model-error');
    const events = await trace(home, report.taskId);
    const [reserved] = reservedOf(events);
    expect(report.costUsd).toBeLessThanOrEqual((reserved ?? 0) + 1e-9);
    expect(report.costUsd).toBeLessThanOrEqual(2);
    expect(events.find((event) => event.type === 'usage-anomaly')).toMatchObject({
      rawUsage: { input_tokens: 1e9, output_tokens: 1e9 },
      reservedUsd: reserved,
    });
    const breakers = JSON.parse((await runWarden(['breakers', '--json', '--data-dir', home])).stdout);
    expect(JSON.stringify(breakers)).toContain(`model:${MODEL}`);
  });

  it('a negative output count never lowers the totals', async () => {
    const home = homeOf('negative');
    expect((await run(home, [list({ input_tokens: 2000, output_tokens: 100 }), done])).code).toBe(0);
    const before = windows(home);
    const lied = await run(home, [list({ input_tokens: 10, output_tokens: -300_000 }), done]);
    expect(lied.code).toBe(1);
    const after = windows(home);
    for (const scope of ['fleet', 'agent:coder']) {
      expect(after[scope]).toBeGreaterThan(before[scope] ?? 0);
    }
    for (const value of Object.values(after)) expect(value).toBeGreaterThanOrEqual(0);
  });

  it('a reply without usage books the reservation, says so, and the task goes on', async () => {
    const home = homeOf('missing');
    const result = await run(home, [list(null), done]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/warning: .*no usage/);
    const report = JSON.parse(result.stdout);
    const events = await trace(home, report.taskId);
    expect(events.some((event) => event.type === 'usage-missing')).toBe(true);
    const [reserved] = reservedOf(events);
    // The first call books its whole reservation; the second its honest (smaller) usage.
    expect(report.costUsd).toBeGreaterThanOrEqual((reserved ?? Number.POSITIVE_INFINITY) - 1e-9);
  });

  it('R1: 4 concurrent runs with lying usage never book more than the agent daily limit', async () => {
    const home = homeOf('concurrent');
    const limit = 0.5;
    const config = path.join(work.dir, 'limits.yaml');
    writeFileSync(config, `limits:\n  agentDailyUsd: ${limit}\n`);
    const honest = list({ input_tokens: 3000, output_tokens: 4000 });
    const lie = list({ input_tokens: 1e9, output_tokens: 1e9 });
    const results = await Promise.all(
      [0, 1, 2, 3].map(() => run(home, [honest, honest, lie, done], '--max-usd', '5', '--config', config)),
    );
    for (const result of results) expect([1, 3], result.stderr).toContain(result.code);
    const spent = windows(home);
    expect(spent['agent:coder']).toBeLessThanOrEqual(limit);
    const cost = await runWarden(['cost', '--json', '--data-dir', home]);
    expect(cost.code).toBe(0);
    expect(JSON.parse(cost.stdout).spendUsd).toBeLessThanOrEqual(limit);
  });
});
