import type { CostGrouping, CostReport } from '../guard/index.ts';
import { buildCostReport } from '../guard/index.ts';
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
 * Spend, tasks, successes and cost per success from the spend book and the recorded outcomes, aggregated
 * by the store. A spend row that cannot be read (written out of range by an older version) is left out
 * with a warning.
 */
export async function costReport(
  parts: Pick<SharedParts, 'config' | 'stores' | 'warn'>,
  request: CostReportRequest,
): Promise<CostReport> {
  const { config, stores, warn } = parts;
  const now = request.now ?? Date.now();
  const { sinceMs, by } = request;
  const sinceAt = sinceMs === undefined ? undefined : new Date(now - sinceMs).toISOString();
  const summary = await stores.reports.costSummary({ sinceAt, groupBy: by }, (entry) =>
    warn(
      `warning: spend entry ${entry.id} (task ${entry.taskId ?? '-'}, ${entry.day}) left out of the report: ${entry.reason}; run \`warden doctor\`\n`,
    ),
  );
  const periodMs = sinceMs ?? (summary.firstAt ? now - Date.parse(summary.firstAt) : 0);
  return buildCostReport({
    summary,
    by,
    since: sinceAt ?? null,
    days: Math.max(1, Math.ceil(periodMs / 86_400_000)),
    valuePerSuccessUsd: config.economics.valuePerSuccessUsd,
    setupCostUsd: config.economics.setupCostUsd,
  });
}
