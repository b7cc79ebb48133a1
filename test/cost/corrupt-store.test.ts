import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore, utcDay } from '../../src/store/index.ts';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

/**
 * A data directory written by an older version that booked a reply claiming 10^15 tokens: amounts beyond
 * 2^53 that node:sqlite cannot read as numbers. Reports, runs and limits must keep working around it.
 */
const HUGE_NANOS = 750_000_000_000_000_000n;
const HUGE_TOKENS = 1_000_000_000_000_000n;
const today = utcDay(new Date());
const yesterday = utcDay(new Date(Date.now() - 86_400_000));

function corrupt(databasePath: string): void {
  openSqliteStore(databasePath).close();
  const database = new DatabaseSync(databasePath);
  try {
    const entry = database.prepare(
      `INSERT INTO spend_entries (reservation_id, task_id, agent, team, stage, day, at, price_key,
         price_table_version, tier, batch, usd_nanos, tokens, input_tokens, output_tokens, cache_read_tokens,
         cache_write_tokens, cache_write_1h_tokens, top_tier_nanos)
       VALUES ('r-old', 'old-task', 'coder', NULL, NULL, ?, ?, 'anthropic:claude-sonnet-4-6', 'v', 'mid', 0,
         ?, ?, ?, -50, 0, 0, 0, NULL)`,
    );
    entry.run(yesterday, `${yesterday}T12:00:00.000Z`, HUGE_NANOS, HUGE_TOKENS, HUGE_TOKENS);
    const window = database.prepare(
      'INSERT INTO spend_windows (scope, window, spent_nanos, spent_tokens) VALUES (?, ?, ?, ?)',
    );
    window.run('task:old-task', 'all', HUGE_NANOS, HUGE_TOKENS);
    window.run('agent:coder', yesterday, HUGE_NANOS, HUGE_TOKENS);
    // Beyond 64 bits, SQLite keeps a REAL; today's fleet window has no limit and must not stop anything.
    window.run('fleet', today, 1e30, HUGE_TOKENS);
    database
      .prepare(
        `INSERT INTO spend_reservations (id, windows, nanos, tokens, state, created_at, expires_at)
         VALUES ('stale', '[]', 1000, 10, 'held', '2020-01-01T00:00:00.000Z', '2020-01-01T01:00:00.000Z')`,
      )
      .run();
  } finally {
    database.close();
  }
}

describe('a store holding out-of-range spend from an older version', { timeout: 180_000 }, () => {
  const work = scratch('corrupt-store');
  const home = path.join(work.dir, 'home');
  let repo: string;
  const run = (...extra: string[]) =>
    runWarden(
      [
        'run',
        '--repo',
        repo,
        '--task',
        'look around',
        '--model',
        `scripted:${writeScript(work.dir, { model: 'anthropic:claude-haiku-4-5', turns: [{ text: 'done', usage: { input_tokens: 100, output_tokens: 5 } }] })}`,
        '--json',
        '--no-branch',
        '--data-dir',
        home,
        ...extra,
      ],
      { timeoutMs: 170_000 },
    );

  beforeAll(() => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    corrupt(path.join(home, 'warden.db'));
  });
  afterAll(work.cleanup);

  it('warden doctor says healthy on a fresh data directory', async () => {
    const fresh = await runWarden(['doctor', '--json', '--data-dir', path.join(work.dir, 'fresh')]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(JSON.parse(fresh.stdout).healthy).toBe(true);
  });

  it('warden doctor reports the windows, the entry and the stale reservation, and exits 1', async () => {
    const doctor = await runWarden(['doctor', '--json', '--data-dir', home]);
    expect(doctor.code, doctor.stderr).toBe(1);
    const report = JSON.parse(doctor.stdout) as {
      healthy: boolean;
      checks: { name: string; findings: { subject: string; problem: string }[] }[];
    };
    expect(report.healthy).toBe(false);
    const subjects = (name: string) =>
      report.checks.find((check) => check.name === name)?.findings.map((finding) => finding.subject) ?? [];
    expect(subjects('spend-windows')).toEqual(
      expect.arrayContaining([
        'spend window task:old-task all',
        `spend window agent:coder ${yesterday}`,
        `spend window fleet ${today}`,
      ]),
    );
    // Each finding names the window's own out-of-range totals, and only windows that have one are found.
    const windowProblems = report.checks.find((check) => check.name === 'spend-windows')?.findings ?? [];
    expect(windowProblems.map((finding) => finding.problem)).toEqual(
      windowProblems.map(() => expect.stringMatching(/^(spent|held)_(nanos|tokens) /)),
    );
    expect(windowProblems).toHaveLength(3);
    expect(subjects('spend-entries')).toEqual([`spend entry 1 (task old-task, ${yesterday})`]);
    expect(subjects('spend-reservations')).toEqual(['reservation stale']);
    const text = await runWarden(['doctor', '--data-dir', home]);
    expect(text.stdout).toMatch(/PROBLEM {2}spend-entries: 1 found\n.*output_tokens -50/);
  });

  it('warden cost leaves the unreadable entry out, loudly, instead of crashing', async () => {
    const cost = await runWarden(['cost', '--json', '--data-dir', home]);
    expect(cost.code, cost.stderr).toBe(0);
    expect(cost.stderr).toMatch(/warning: spend entry 1 .*left out.*warden doctor/);
    expect(JSON.parse(cost.stdout).spendUsd).toBe(0);
  });

  it('warden run still works, the corrupt unlimited fleet window notwithstanding', async () => {
    const result = await run();
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).status).toBe('unverified');
  });

  it('a limited window whose total cannot be read refuses new calls, naming warden doctor', async () => {
    const config = path.join(work.dir, 'limited.yaml');
    writeFileSync(config, 'limits:\n  fleetDailyUsd: 100\n');
    const result = await run('--config', config);
    expect(result.code, result.stderr).toBe(3);
    const report = JSON.parse(result.stdout);
    expect(report.stopReason).toBe('budget-daily');
    expect(report.detail).toMatch(/fleet .*cannot be read.*warden doctor/);
  });
});
