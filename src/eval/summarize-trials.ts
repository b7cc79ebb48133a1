import type { EvalReport, EvalTotals, InstanceSummary, TrialResult } from './eval-report.ts';
import type { EvalInstance } from './eval-suite.ts';
import { passHatK, percentile } from './statistics.ts';

/** What a report says about the run besides its trials. */
export type RunHeader = Omit<EvalReport['warden'], 'totals' | 'instances'>;

/**
 * The report of a run: SWE-bench's keys over epoch 1 of every instance of `instances` (those without a
 * patch to evaluate count as not submitted), and Warden's figures over every trial.
 */
export function summarizeTrials(
  instances: readonly EvalInstance[],
  trials: readonly TrialResult[],
  submitted: ReadonlySet<string>,
  header: RunHeader,
): EvalReport {
  const byInstance = new Map<string, TrialResult[]>();
  for (const trial of trials) {
    const list = byInstance.get(trial.instanceId) ?? [];
    list.push(trial);
    byInstance.set(trial.instanceId, list);
  }
  const summaries: InstanceSummary[] = [];
  const ids = {
    completed: [] as string[],
    incomplete: [] as string[],
    resolved: [] as string[],
    unresolved: [] as string[],
    error: [] as string[],
    empty: [] as string[],
  };
  for (const instance of instances) {
    if (!submitted.has(instance.instanceId)) continue;
    const list = (byInstance.get(instance.instanceId) ?? []).sort((a, b) => a.epoch - b.epoch);
    const first = list.find((trial) => trial.epoch === 1);
    if (first === undefined) {
      ids.incomplete.push(instance.instanceId);
      continue;
    }
    const bucket = {
      resolved: ids.resolved,
      unresolved: ids.unresolved,
      error: ids.error,
      empty_patch: ids.empty,
    };
    bucket[first.status].push(instance.instanceId);
    if (first.status === 'resolved' || first.status === 'unresolved') ids.completed.push(instance.instanceId);
    summaries.push(summarizeInstance(instance, first, list));
  }
  const submittedIds = instances.map((instance) => instance.instanceId).filter((id) => submitted.has(id));
  return {
    total_instances: instances.length,
    submitted_instances: submittedIds.length,
    completed_instances: ids.completed.length,
    resolved_instances: ids.resolved.length,
    unresolved_instances: ids.unresolved.length,
    empty_patch_instances: ids.empty.length,
    error_instances: ids.error.length,
    completed_ids: ids.completed,
    incomplete_ids: ids.incomplete,
    submitted_ids: submittedIds,
    resolved_ids: ids.resolved,
    unresolved_ids: ids.unresolved,
    error_ids: ids.error,
    empty_patch_ids: ids.empty,
    schema_version: 2,
    warden: { ...header, totals: totalsOf(summaries, trials, header.epochs), instances: summaries },
  };
}

function summarizeInstance(instance: EvalInstance, first: TrialResult, list: TrialResult[]): InstanceSummary {
  const resolvedTrials = list.filter((trial) => trial.status === 'resolved').length;
  const sum = (pick: (trial: TrialResult) => number) => list.reduce((total, trial) => total + pick(trial), 0);
  return {
    instanceId: instance.instanceId,
    repo: instance.repo,
    status: first.status,
    trials: list.length,
    resolvedTrials,
    passAt1: resolvedTrials / list.length,
    passHatK: passHatK(list.length, resolvedTrials, list.length),
    costUsd: sum((trial) => trial.costUsd),
    tokens: sum((trial) => trial.tokens),
    wallMsP50: percentile(
      list.map((trial) => trial.wallMs),
      0.5,
    ),
    toolCalls: sum((trial) => trial.toolCalls),
    toolErrors: sum((trial) => trial.toolErrors),
    policyDenials: sum((trial) => trial.policyDenials),
    earlyExits: list.filter((trial) => trial.earlyExit).length,
  };
}

function totalsOf(summaries: InstanceSummary[], trials: readonly TrialResult[], epochs: number): EvalTotals {
  const counted = new Set(summaries.map((summary) => summary.instanceId));
  const mine = trials.filter((trial) => counted.has(trial.instanceId));
  const sum = (pick: (summary: InstanceSummary) => number) =>
    summaries.reduce((total, summary) => total + pick(summary), 0);
  const mean = (pick: (summary: InstanceSummary) => number) =>
    summaries.length === 0 ? 0 : sum(pick) / summaries.length;
  const resolvedTrials = sum((summary) => summary.resolvedTrials);
  const costUsd = sum((summary) => summary.costUsd);
  const toolCalls = sum((summary) => summary.toolCalls);
  const hatK: Record<string, number> = {};
  for (let k = 1; k <= epochs; k++) {
    hatK[String(k)] = mean((summary) =>
      summary.trials >= k ? passHatK(summary.trials, summary.resolvedTrials, k) : 0,
    );
  }
  const walls = mine.map((trial) => trial.wallMs);
  return {
    trials: mine.length,
    resolvedTrials,
    passAt1: mean((summary) => summary.passAt1),
    passHatK: hatK,
    costUsd,
    costPerResolvedUsd: resolvedTrials === 0 ? null : costUsd / resolvedTrials,
    tokens: sum((summary) => summary.tokens),
    wallMsP50: walls.length === 0 ? 0 : percentile(walls, 0.5),
    wallMsP95: walls.length === 0 ? 0 : percentile(walls, 0.95),
    toolErrorRate: toolCalls === 0 ? null : sum((summary) => summary.toolErrors) / toolCalls,
    policyDenials: sum((summary) => summary.policyDenials),
    earlyExits: sum((summary) => summary.earlyExits),
  };
}
