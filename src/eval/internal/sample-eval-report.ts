import type { EvalReport, InstanceSummary, TrialStatus } from '../eval-report.ts';

/** One instance of a sample report; only the id is required. */
export interface SampleInstance {
  id: string;
  /** `owner/name`; `example/repo` when absent. */
  repo?: string;
  /** Epoch 1's outcome; `resolved` when absent. */
  status?: TrialStatus;
  /** Resolved over trials; 1 for a resolved status and 0 otherwise when absent. */
  passAt1?: number;
  /** USD; 0 when absent. */
  costUsd?: number;
  /** 0 when absent. */
  tokens?: number;
}

/**
 * An `EvalReport` of one epoch built from per-instance outcomes, with SWE-bench's keys filled to match:
 * for tests of what reads reports, so they need not spell out forty fields.
 */
export function sampleEvalReport(
  instances: readonly SampleInstance[],
  settings: { suite?: string; agent?: string; model?: string } = {},
): EvalReport {
  const summaries: InstanceSummary[] = instances.map((instance) => {
    const status = instance.status ?? 'resolved';
    const passAt1 = instance.passAt1 ?? (status === 'resolved' ? 1 : 0);
    return {
      instanceId: instance.id,
      repo: instance.repo ?? 'example/repo',
      status,
      trials: 1,
      resolvedTrials: passAt1 === 1 ? 1 : 0,
      passAt1,
      passHatK: passAt1,
      costUsd: instance.costUsd ?? 0,
      tokens: instance.tokens ?? 0,
      wallMsP50: 1_000,
      toolCalls: 0,
      toolErrors: 0,
      policyDenials: 0,
      earlyExits: 0,
    };
  });
  const idsWith = (status: TrialStatus) =>
    summaries.filter((summary) => summary.status === status).map((summary) => summary.instanceId);
  const allIds = summaries.map((summary) => summary.instanceId);
  const completed = summaries.filter(
    (summary) => summary.status !== 'error' && summary.status !== 'empty_patch',
  );
  const costUsd = summaries.reduce((total, summary) => total + summary.costUsd, 0);
  const resolved = idsWith('resolved');
  const passAt1 = summaries.reduce((total, summary) => total + summary.passAt1, 0) / (summaries.length || 1);
  return {
    total_instances: summaries.length,
    submitted_instances: summaries.length,
    completed_instances: completed.length,
    resolved_instances: resolved.length,
    unresolved_instances: idsWith('unresolved').length,
    empty_patch_instances: idsWith('empty_patch').length,
    error_instances: idsWith('error').length,
    completed_ids: completed.map((summary) => summary.instanceId),
    incomplete_ids: [],
    submitted_ids: allIds,
    resolved_ids: resolved,
    unresolved_ids: idsWith('unresolved'),
    error_ids: idsWith('error'),
    empty_patch_ids: idsWith('empty_patch'),
    schema_version: 2,
    warden: {
      suite: settings.suite ?? 'sample',
      source: settings.agent === undefined ? 'predictions' : 'agent',
      agent: settings.agent,
      model: settings.model,
      epochs: 1,
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T01:00:00.000Z',
      totals: {
        trials: summaries.length,
        resolvedTrials: resolved.length,
        passAt1,
        passHatK: { '1': passAt1 },
        costUsd,
        costPerResolvedUsd: resolved.length === 0 ? null : costUsd / resolved.length,
        tokens: summaries.reduce((total, summary) => total + summary.tokens, 0),
        wallMsP50: 1_000,
        wallMsP95: 1_000,
        toolErrorRate: null,
        policyDenials: 0,
        earlyExits: 0,
      },
      instances: summaries,
    },
  };
}
