import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { openSqliteStore } from '../src/store/index.ts';

/** Model calls per task: a 30-step task makes one call per step. */
const CALLS_PER_TASK = 30;
const AGENTS = ['fixer', 'reviewer', 'triager', 'migrator', 'docs'];
const MODELS = [
  { key: 'anthropic:claude-haiku-4-5', tier: 'small', inputPrice: 1, outputPrice: 5 },
  { key: 'anthropic:claude-sonnet-4-6', tier: 'mid', inputPrice: 3, outputPrice: 15 },
  { key: 'anthropic:claude-opus-4-6', tier: 'top', inputPrice: 15, outputPrice: 75 },
];
const OUTCOMES = ['succeeded', 'succeeded', 'succeeded', 'unverified', 'failed', 'stopped'] as const;
const DAY_MS = 86_400_000;

/** What one size measured. */
export interface CostReportScaleRow {
  tasks: number;
  calls: number;
  /** Size of the store file, in MB. */
  storeMb: number;
  /** Wall time of `main(['cost', '--json'])` inside a fresh process, after its imports. */
  costMs: number;
  /** The same, grouped (`--by agent`). */
  costByAgentMs: number;
  /** Peak resident memory of that process once the CLI's modules are imported, before the report, in MB. */
  importRssMb: number;
  /** Peak resident memory of that process (start-up included), in MB. */
  peakRssMb: number;
}

/**
 * Fills a data directory with `tasks` finished tasks of 30 priced model calls each, over the last 30
 * days. Rows are written with plain INSERTs in one transaction, column for column what the store's own
 * write paths write (`SqliteStore.createTask` and `updateTask`, `SqliteSpendStore.settle` with an entry,
 * which leaves no reservation row, and `SqliteOutcomeStore.record`; the store's own triggers fill the
 * rollups the same way for both), because 600,000 settles one transaction each would take minutes.
 */
export function fillCostStore(dataDir: string, tasks: number, now = new Date()): void {
  const store = openSqliteStore(path.join(dataDir, 'warden.db'));
  const db = store.database;
  const insertTask = db.prepare(
    `INSERT INTO tasks (id, prompt, repo, base_commit, model, requested_by, status, stop_reason, steps, cost_usd,
       created_at, ended_at) VALUES (?, 'fix the failing test', '/repo', ?, ?, 'bench', ?, NULL, ?, ?, ?, ?)`,
  );
  const insertEntry = db.prepare(
    `INSERT INTO spend_entries (reservation_id, task_id, agent, team, stage, day, at, price_key,
       price_table_version, tier, batch, usd_nanos, tokens, input_tokens, output_tokens, cache_read_tokens,
       cache_write_tokens, cache_write_1h_tokens, top_tier_nanos)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'bench', ?, 0, ?, ?, ?, ?, ?, ?, 0, ?)`,
  );
  const addToWindow = db.prepare(
    `INSERT INTO spend_windows (scope, window, spent_nanos, spent_tokens) VALUES (?, ?, ?, ?)
     ON CONFLICT (scope, window) DO UPDATE SET spent_nanos = spent_nanos + excluded.spent_nanos,
       spent_tokens = spent_tokens + excluded.spent_tokens`,
  );
  const insertOutcome = db.prepare(
    `INSERT INTO task_outcomes (task_id, outcome, agent, team, early_exit, day, at) VALUES (?, ?, ?, ?, 0, ?, ?)`,
  );
  db.exec('BEGIN IMMEDIATE');
  for (let index = 0; index < tasks; index++) {
    const taskId = randomUUID();
    const agent = AGENTS[index % AGENTS.length] as string;
    const team = index % 3 === 0 ? null : index % 3 === 1 ? 'platform' : 'payments';
    const model = MODELS[index % MODELS.length] as (typeof MODELS)[number];
    const outcome = OUTCOMES[index % OUTCOMES.length] as (typeof OUTCOMES)[number];
    const started = now.getTime() - 30 * DAY_MS + Math.floor(((index + 0.5) / tasks) * 30 * DAY_MS);
    let taskNanos = 0;
    for (let step = 0; step < CALLS_PER_TASK; step++) {
      const at = new Date(started + step * 2_000);
      const day = at.toISOString().slice(0, 10);
      const input = 2_000 + step * 600;
      const cacheRead = step === 0 ? 0 : input - 600;
      const cacheWrite = step === 0 ? input : 600;
      const output = 150 + ((index + step) % 7) * 40;
      const nanos = (input - cacheRead) * model.inputPrice + output * model.outputPrice * 1_000;
      const tokens = input + output;
      insertEntry.run(
        randomUUID(),
        taskId,
        agent,
        team,
        step === 0 ? 'plan' : 'act',
        day,
        at.toISOString(),
        model.key,
        model.tier,
        nanos,
        tokens,
        input - cacheRead - cacheWrite,
        output,
        cacheRead,
        cacheWrite,
        model.tier === 'top' ? nanos : nanos * 5,
      );
      for (const [scope, window] of [
        [`task:${taskId}`, 'all'],
        [`agent:${agent}`, day],
        ['fleet', day],
      ] as const) {
        addToWindow.run(scope, window, nanos, tokens);
      }
      taskNanos += nanos;
    }
    const ended = new Date(started + CALLS_PER_TASK * 2_000);
    insertTask.run(
      taskId,
      'a'.repeat(40),
      model.key,
      outcome,
      CALLS_PER_TASK,
      taskNanos / 1e9,
      new Date(started).toISOString(),
      ended.toISOString(),
    );
    insertOutcome.run(taskId, outcome, agent, team, ended.toISOString().slice(0, 10), ended.toISOString());
  }
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  store.close();
}

/** Runs `warden cost` in a fresh process on `dataDir`; its time after imports and its peak RSS. */
function timeCost(dataDir: string): Omit<CostReportScaleRow, 'tasks' | 'calls' | 'storeMb'> {
  const main = pathToFileURL(path.resolve(import.meta.dirname, '../src/cli/main.ts')).href;
  const peak = pathToFileURL(path.resolve(import.meta.dirname, 'peak-rss.ts')).href;
  const script = `
    const { peakRssKb } = await import(${JSON.stringify(peak)});
    const { main } = await import(${JSON.stringify(main)});
    const importRssMb = peakRssKb() / 1024;
    const io = { out: () => {}, err: (text) => process.stderr.write(text), interactive: false, env: process.env, cwd: process.cwd() };
    const time = async (extra) => {
      const started = performance.now();
      const code = await main(['cost', '--json', '--data-dir', ${JSON.stringify(dataDir)}, ...extra], io);
      if (code !== 0) throw new Error('warden cost exited ' + code);
      return performance.now() - started;
    };
    const costMs = await time([]);
    const costByAgentMs = await time(['--by', 'agent']);
    process.stdout.write(JSON.stringify({ costMs, costByAgentMs, importRssMb, peakRssMb: peakRssKb() / 1024 }));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 900_000,
  });
  if (child.status !== 0) throw new Error(`warden cost failed (${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout) as Omit<CostReportScaleRow, 'tasks' | 'calls' | 'storeMb'>;
}

/**
 * `warden cost` over 200, 2,000 and 20,000 finished tasks of 30 model calls each: time of the report in
 * a fresh process (after its imports, so start-up is not counted twice) and that process's peak RSS.
 * Target at 20,000 tasks: ≤ 1 s and ≤ 150 MB.
 */
export async function benchCostReportScale({
  sizes = [200, 2_000, 20_000],
  print = true,
}: {
  sizes?: readonly number[];
  print?: boolean;
} = {}) {
  const rows: CostReportScaleRow[] = [];
  for (const tasks of sizes) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'warden-cost-scale-'));
    try {
      fillCostStore(dataDir, tasks);
      const { size } = statSync(path.join(dataDir, 'warden.db'));
      const measured = timeCost(dataDir);
      rows.push({ tasks, calls: tasks * CALLS_PER_TASK, storeMb: size / 1_048_576, ...measured });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (!print) return rows;
  console.log('\nwarden cost at scale (30 model calls per task)');
  for (const row of rows) {
    console.log(
      `  ${String(row.tasks).padStart(6)} tasks ${String(row.calls).padStart(7)} calls  store ${row.storeMb.toFixed(1).padStart(6)} MB  cost ${row.costMs.toFixed(0).padStart(6)} ms  --by agent ${row.costByAgentMs.toFixed(0).padStart(6)} ms  peak RSS ${row.peakRssMb.toFixed(0).padStart(5)} MB (${row.importRssMb.toFixed(0)} MB after imports)`,
    );
  }
  const largest = rows.at(-1);
  if (largest?.tasks === 20_000) {
    console.log(
      `  target at 20,000 tasks: ≤ 1000 ms and ≤ 150 MB: ${largest.costMs <= 1000 && largest.peakRssMb <= 150 ? 'met' : 'NOT met'}`,
    );
  }
  return rows;
}

if (import.meta.main) {
  const sizes = process.argv.slice(2).map(Number);
  await benchCostReportScale(sizes.length > 0 ? { sizes } : {});
}
