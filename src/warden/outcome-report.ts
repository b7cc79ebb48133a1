import type { PullOutcomeRow } from '../store/index.ts';
import type { SharedParts } from './task-runtime.ts';

/** What Warden's pull requests came to, for everyone or one agent. */
export interface OutcomeCounts {
  pulls: number;
  open: number;
  acceptedFirstPass: number;
  acceptedAfterChanges: number;
  rejected: number;
  reverted: number;
  /** Accepted first pass over those decided (merged, rejected or reverted); null when none is decided. */
  firstPassAcceptRate: number | null;
  /** Hours from opened to merged (accepted and reverted ones): median and 90th percentile. */
  timeToMergeHours: { p50: number | null; p90: number | null };
  /** Hours from the task's start (its trigger) to the merge: what the agent did for time to resolution. */
  timeToResolutionHours: { p50: number | null; p90: number | null };
}

export interface OutcomeReport extends OutcomeCounts {
  since: string | null;
  /** Alerts that started an investigation: how many, how many ended with a diagnosis, and how soon. */
  alerts: {
    investigated: number;
    diagnosed: number;
    /** Minutes from the alert's firing to the diagnosis (the investigator's task ending finished). */
    timeToDiagnosisMinutes: { p50: number | null; p90: number | null };
  };
  byAgent: Array<OutcomeCounts & { agent: string }>;
  pullRequests: PullOutcomeRow[];
}

/** What the forge says became of Warden's pull requests opened since `since` (all when undefined). */
export async function outcomeReport(
  parts: Pick<SharedParts, 'stores'>,
  since?: Date,
): Promise<OutcomeReport> {
  const rows = await parts.stores.pullOutcomes.list({ sinceAt: since?.toISOString() });
  const agents = [...new Set(rows.map((row) => row.agent ?? '-'))].sort();
  const alerts = await parts.stores.deliveries.alertDiagnoses(since?.toISOString() ?? '');
  const diagnosed = alerts.filter((alert) => alert.diagnosedAt !== null);
  return {
    since: since?.toISOString() ?? null,
    alerts: {
      investigated: alerts.length,
      diagnosed: diagnosed.length,
      timeToDiagnosisMinutes: percentiles(
        diagnosed.map((alert) => (Date.parse(alert.diagnosedAt!) - Date.parse(alert.occurredAt)) / 60_000),
      ),
    },
    ...countsOf(rows),
    byAgent: agents.map((agent) => ({
      agent,
      ...countsOf(rows.filter((row) => (row.agent ?? '-') === agent)),
    })),
    pullRequests: rows,
  };
}

function countsOf(rows: readonly PullOutcomeRow[]): OutcomeCounts {
  const count = (state: PullOutcomeRow['state']) => rows.filter((row) => row.state === state).length;
  const decided = rows.length - count('open');
  const merged = rows.filter((row) => row.mergeCommit !== null && row.closedAt !== null);
  const hours = (from: string | null, to: string | null) =>
    from === null || to === null ? [] : [(Date.parse(to) - Date.parse(from)) / 3_600_000];
  return {
    pulls: rows.length,
    open: count('open'),
    acceptedFirstPass: count('accepted-first-pass'),
    acceptedAfterChanges: count('accepted-after-changes'),
    rejected: count('rejected'),
    reverted: count('reverted'),
    firstPassAcceptRate: decided === 0 ? null : count('accepted-first-pass') / decided,
    timeToMergeHours: percentiles(merged.flatMap((row) => hours(row.openedAt, row.closedAt))),
    timeToResolutionHours: percentiles(merged.flatMap((row) => hours(row.taskCreatedAt, row.closedAt))),
  };
}

/** The median and 90th percentile (nearest rank); null for no values. */
function percentiles(values: readonly number[]): { p50: number | null; p90: number | null } {
  if (values.length === 0) return { p50: null, p90: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
  return { p50: rank(0.5), p90: rank(0.9) };
}
