import type { CostGrouping, CostReport, ReportTask } from '../guard/index.ts';
import { buildCostReport } from '../guard/index.ts';
import { SqliteOutcomeStore, SqliteSpendStore } from '../store/index.ts';
import type { SharedParts } from './task-runtime.ts';

/** What `warden cost` asks for. */
export interface CostReportRequest {
  by?: CostGrouping | undefined;
  /** Only what happened in the last this many milliseconds; undefined: everything. */
  sinceMs?: number | undefined;
  /** The report's "now"; default the current time. */
  now?: number | undefined;
}

/**
 * Spend, tasks, successes and cost per success from the spend book and the recorded outcomes. A spend
 * row that cannot be read (written out of range by an older version) is left out with a warning.
 */
export async function costReport(
  parts: Pick<SharedParts, 'config' | 'store' | 'warn'>,
  request: CostReportRequest,
): Promise<CostReport> {
  const { config, store, warn } = parts;
  const now = request.now ?? Date.now();
  const { sinceMs, by } = request;
  const sinceAt = sinceMs === undefined ? undefined : new Date(now - sinceMs).toISOString();
  const book = new SqliteSpendStore(store.database);
  const entries = book.entries({ sinceAt }, (entry) =>
    warn(
      `warning: spend entry ${entry.id} (task ${entry.taskId ?? '-'}, ${entry.day}) left out of the report: ${entry.reason}; run \`warden doctor\`\n`,
    ),
  );
  const outcomes = new Map(
    new SqliteOutcomeStore(store.database).list({ sinceAt }).map((outcome) => [outcome.taskId, outcome]),
  );
  const taskIds = new Set([
    ...entries.map((entry) => entry.taskId).filter((id) => id !== null),
    ...outcomes.keys(),
  ]);
  const tasks: ReportTask[] = [];
  for (const taskId of taskIds) {
    const outcome = outcomes.get(taskId);
    const first = entries.find((entry) => entry.taskId === taskId);
    const stored = outcome ? undefined : await store.getTask(taskId);
    tasks.push({
      taskId,
      outcome:
        outcome?.outcome ??
        (stored &&
        stored.status !== 'running' &&
        stored.status !== 'awaiting_approval' &&
        stored.status !== 'interrupted'
          ? stored.status
          : undefined),
      agent: outcome?.agent ?? first?.agent ?? null,
      team: outcome?.team ?? first?.team ?? null,
      earlyExit: outcome?.earlyExit ?? false,
      day: outcome?.day ?? first?.day ?? '',
    });
  }
  const firstAt = entries[0]?.at ?? [...outcomes.values()][0]?.at;
  const periodMs = sinceMs ?? (firstAt ? now - Date.parse(firstAt) : 0);
  return buildCostReport({
    entries,
    tasks,
    by,
    since: sinceAt ?? null,
    days: Math.max(1, Math.ceil(periodMs / 86_400_000)),
    valuePerSuccessUsd: config.economics.valuePerSuccessUsd,
    setupCostUsd: config.economics.setupCostUsd,
  });
}
