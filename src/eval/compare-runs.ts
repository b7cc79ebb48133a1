/**
 * `warden eval compare BASE CANDIDATE`: two eval reports paired instance by instance. Epoch 1's outcomes
 * go to McNemar's exact test (the single-trial result SWE-bench reports); rates, cost and tokens get a
 * bootstrap interval that resamples by repository.
 */
import { UserError } from '../spec/index.ts';
import type { EvalReport, InstanceSummary, PatchSource } from './eval-report.ts';
import { evalReportSchema } from './internal/eval-report-schema.ts';
import {
  clusteredBootstrap,
  type Interval,
  instancesNeeded,
  mcnemarExact,
  mcnemarExactDrop,
} from './statistics.ts';

/** How `compareRuns` computes. Every field has a default. */
export interface CompareOptions {
  /** Two-sided level for the instances-needed estimate; 0.05 when absent. */
  alpha?: number;
  /** Coverage of the bootstrap intervals; 0.95 when absent. */
  confidence?: number;
  /** Bootstrap resamples; 2,000 when absent. */
  resamples?: number;
  /** Bootstrap seed; a fixed one when absent, so the same reports give the same intervals. */
  seed?: number;
}

/** One run, over the instances both runs have (`instances` counts all of its own). */
export interface RunSummary {
  suite: string;
  source: PatchSource;
  /** Absent without an agent. */
  agent?: string | undefined;
  model?: string | undefined;
  epochs: number;
  /** Instances in the report, paired or not. */
  instances: number;
  /** Paired instances resolved on epoch 1. */
  resolved: number;
  /** Mean pass@1 over the paired instances (epoch 1's rate when there is one epoch). */
  resolveRate: number;
  /** Mean model spend per paired instance, all epochs, USD. */
  costUsd: number;
  totalCostUsd: number;
  /** Mean tokens per paired instance, all epochs. */
  tokens: number;
  totalTokens: number;
}

/** How many paired instances McNemar's test needs to detect a given drop. */
export interface InstancesNeeded {
  /** The drop in resolve rate, a fraction: 0.05 is five points. */
  drop: number;
  /** `null` when the formula does not apply: too few flips in this suite to make such a drop. */
  instances: number | null;
}

/** Two runs side by side. Every difference is candidate minus base. */
export interface RunComparison {
  alpha: number;
  confidence: number;
  /** Instances in both runs; everything below is over these. */
  paired: number;
  onlyInBase: string[];
  onlyInCandidate: string[];
  base: RunSummary;
  candidate: RunSummary;
  /** Resolved on epoch 1 by the base, not by the candidate. */
  lost: string[];
  /** Resolved on epoch 1 by the candidate, not by the base. */
  gained: string[];
  /** McNemar's exact two-sided p-value on `lost` against `gained`. */
  mcnemarP: number;
  /** The one-sided p-value for a drop: the chance of at least this many lost among these flips. */
  mcnemarDropP: number;
  /** Flips over paired instances. */
  discordantRate: number;
  /** Mean pass@1 difference, a fraction (−0.25 is 25 points fewer). */
  resolveRateDifference: Interval;
  /** Mean cost per instance, USD. */
  costDifference: Interval;
  /** Cost over all paired instances, USD: the mean difference times `paired`. */
  totalCostDifference: Interval;
  /** Mean tokens per instance. */
  tokensDifference: Interval;
  /** For drops of 5 and 10 points, at this suite's discordant rate and `alpha`. */
  instancesNeeded: InstancesNeeded[];
}

const DROPS = [0.05, 0.1];

/**
 * Pairs two reports by instance id and compares them.
 *
 * @throws UserError `eval-report-invalid` when the reports have no instance in common
 * @throws UserError `usage` when an option is out of range
 */
export function compareRuns(
  base: EvalReport,
  candidate: EvalReport,
  options: CompareOptions = {},
): RunComparison {
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new UserError('usage', `alpha must be between 0 and 1, not ${alpha}`);
  const confidence = options.confidence ?? 0.95;
  const candidateById = new Map(
    candidate.warden.instances.map((instance) => [instance.instanceId, instance]),
  );
  const baseIds = new Set(base.warden.instances.map((instance) => instance.instanceId));
  const pairs: [InstanceSummary, InstanceSummary][] = [];
  for (const instance of base.warden.instances) {
    const other = candidateById.get(instance.instanceId);
    if (other) pairs.push([instance, other]);
  }
  if (pairs.length === 0) {
    throw new UserError(
      'eval-report-invalid',
      `the runs have no instance in common (base: ${base.warden.suite}, ${base.warden.instances.length} instances; ` +
        `candidate: ${candidate.warden.suite}, ${candidate.warden.instances.length} instances)`,
      { hint: 'Compare two runs of the same suite, e.g. the same --suite with a different agent or model.' },
    );
  }
  const lost = pairs.filter(([left, right]) => isResolved(left) && !isResolved(right)).map(idOf);
  const gained = pairs.filter(([left, right]) => !isResolved(left) && isResolved(right)).map(idOf);
  const bootstrap = (difference: (left: InstanceSummary, right: InstanceSummary) => number) =>
    clusteredBootstrap(
      pairs.map(([left, right]) => ({ cluster: left.repo, difference: difference(left, right) })),
      { confidence, resamples: options.resamples, seed: options.seed },
    );
  const costDifference = bootstrap((left, right) => right.costUsd - left.costUsd);
  const discordantRate = (lost.length + gained.length) / pairs.length;
  return {
    alpha,
    confidence,
    paired: pairs.length,
    onlyInBase: base.warden.instances
      .filter((instance) => !candidateById.has(instance.instanceId))
      .map((instance) => instance.instanceId),
    onlyInCandidate: candidate.warden.instances
      .filter((instance) => !baseIds.has(instance.instanceId))
      .map((instance) => instance.instanceId),
    base: summarize(
      base,
      pairs.map(([left]) => left),
    ),
    candidate: summarize(
      candidate,
      pairs.map(([, right]) => right),
    ),
    lost,
    gained,
    mcnemarP: mcnemarExact(lost.length, gained.length),
    mcnemarDropP: mcnemarExactDrop(lost.length, gained.length),
    discordantRate,
    resolveRateDifference: bootstrap((left, right) => right.passAt1 - left.passAt1),
    costDifference,
    totalCostDifference: {
      estimate: costDifference.estimate * pairs.length,
      low: costDifference.low * pairs.length,
      high: costDifference.high * pairs.length,
    },
    tokensDifference: bootstrap((left, right) => right.tokens - left.tokens),
    instancesNeeded: DROPS.map((drop) => ({ drop, instances: instancesNeeded(discordantRate, drop, alpha) })),
  };
}

function isResolved(instance: InstanceSummary): boolean {
  return instance.status === 'resolved';
}

function idOf([instance]: [InstanceSummary, InstanceSummary]): string {
  return instance.instanceId;
}

function summarize(report: EvalReport, paired: readonly InstanceSummary[]): RunSummary {
  const sum = (value: (instance: InstanceSummary) => number) =>
    paired.reduce((total, instance) => total + value(instance), 0);
  const totalCostUsd = sum((instance) => instance.costUsd);
  const totalTokens = sum((instance) => instance.tokens);
  return {
    suite: report.warden.suite,
    source: report.warden.source,
    agent: report.warden.agent,
    model: report.warden.model,
    epochs: report.warden.epochs,
    instances: report.warden.instances.length,
    resolved: paired.filter(isResolved).length,
    resolveRate: sum((instance) => instance.passAt1) / paired.length,
    costUsd: totalCostUsd / paired.length,
    totalCostUsd,
    tokens: totalTokens / paired.length,
    totalTokens,
  };
}

/**
 * Reads an `EvalReport` from the text of a `report.json`, checking every field `compareRuns` relies on.
 *
 * @param where - the file's path, for the error message
 * @throws UserError `eval-report-invalid` naming `where` and the first bad field, when the text is not
 *   JSON or not a report
 */
export function parseEvalReport(text: string, where: string): EvalReport {
  const hint = 'Pass the report.json that `warden eval run` wrote (schema_version 2).';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(
      'eval-report-invalid',
      `${where}: not JSON (${error instanceof Error ? error.message : String(error)})`,
      {
        cause: error,
        hint,
      },
    );
  }
  const result = evalReportSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
  throw new UserError('eval-report-invalid', `${where}: ${field}: ${issue.message}`, { hint });
}
