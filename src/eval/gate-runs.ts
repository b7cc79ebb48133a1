/**
 * `warden eval compare --gate`: whether a candidate may replace the base, with the reasons and one
 * paragraph a person can read in a pull request; and the compact table `warden eval compare` prints.
 */
import { UserError } from '../spec/index.ts';
import type { RunComparison, RunSummary } from './compare-runs.ts';
import { type Interval, instancesNeeded } from './statistics.ts';

/** What makes the gate fail. */
export interface GateOptions {
  /** A drop with McNemar's p below this fails the gate; 0.05 when absent. */
  alpha?: number;
  /**
   * The most mean cost per instance may rise, in percent (10 allows +10%); absent means cost never
   * fails the gate. From a base that cost nothing, any cost is beyond every limit.
   */
  maxCostIncreasePct?: number;
}

/** The gate's verdict. */
export interface GateResult {
  pass: boolean;
  /** Why it failed, one short line each; empty when it passes. */
  reasons: string[];
  /** One plain-English paragraph with the numbers, whatever the verdict. */
  explanation: string;
}

const MINUS = '\u2212';

/**
 * Fails on a significant drop (the candidate resolved fewer instances on epoch 1 and McNemar's exact
 * p-value is below `alpha`) and on a mean cost per instance that rose by more than `maxCostIncreasePct`.
 *
 * @throws UserError `usage` when `alpha` is not between 0 and 1 or the cost limit is negative
 */
export function gateRuns(comparison: RunComparison, options: GateOptions = {}): GateResult {
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new UserError('usage', `alpha must be between 0 and 1, not ${alpha}`);
  const limit = options.maxCostIncreasePct;
  if (limit !== undefined && !(limit >= 0)) {
    throw new UserError('usage', `the cost limit must be a percentage of at least 0, not ${limit}`);
  }
  const { base, candidate, lost, gained } = comparison;
  const reasons: string[] = [];
  const sentences: string[] = [];
  if (comparison.onlyInBase.length + comparison.onlyInCandidate.length > 0) {
    sentences.push(
      `Compared on the ${comparison.paired} instances both runs have ` +
        `(${comparison.onlyInBase.length} only in the base, ${comparison.onlyInCandidate.length} only in the candidate).`,
    );
  }
  const flips = `${lost.length + gained.length} ${lost.length + gained.length === 1 ? 'flip' : 'flips'} (${lost.length} lost, ${gained.length} gained)`;
  const test = `McNemar's exact test p = ${formatP(comparison.mcnemarP)} on ${flips}`;
  let resolved =
    `Candidate resolved ${candidate.resolved} of ${comparison.paired} instances against ${base.resolved} of ` +
    `${comparison.paired} (${formatPoints(comparison.resolveRateDifference, comparison.confidence)})`;
  if (candidate.resolved >= base.resolved) {
    resolved += `; with ${flips} there is no drop to test.`;
  } else if (comparison.mcnemarP < alpha) {
    resolved += `; ${test} is below alpha ${formatAlpha(alpha)}, so the drop is significant.`;
    reasons.push(
      `significant drop: ${lost.length} lost and ${gained.length} gained on epoch 1, ` +
        `McNemar's p = ${formatP(comparison.mcnemarP)} < alpha ${formatAlpha(alpha)}`,
    );
  } else {
    const needed = instancesNeeded(comparison.discordantRate, 0.1, alpha);
    resolved +=
      `; ${test} is not below alpha ${formatAlpha(alpha)}, so the drop is not significant` +
      (needed === null
        ? '; too few instances flipped to say how many would be needed to detect a 10-point drop.'
        : `; about ${needed} paired instances would be needed to detect a 10-point drop.`);
  }
  sentences.push(resolved);
  sentences.push(costSentence(base, candidate, limit, reasons));
  return { pass: reasons.length === 0, reasons, explanation: sentences.join(' ') };
}

function costSentence(base: RunSummary, candidate: RunSummary, limit: number | undefined, reasons: string[]) {
  const from = `Cost per instance went from ${formatUsd(base.costUsd)} to ${formatUsd(candidate.costUsd)}`;
  if (base.costUsd === 0 && candidate.costUsd === 0) return 'Neither run cost anything.';
  if (base.costUsd === 0) {
    if (limit === undefined) return `${from}, up from nothing.`;
    reasons.push(`cost per instance rose from nothing to ${formatUsd(candidate.costUsd)}, beyond any limit`);
    return `${from}: from a base that cost nothing, that is beyond any percentage limit, ${limit}% included.`;
  }
  const change = ((candidate.costUsd - base.costUsd) / base.costUsd) * 100;
  const changed = `${from} (${formatSigned(change, 1)}%)`;
  if (limit === undefined) return `${changed}.`;
  if (change > limit) {
    reasons.push(`cost per instance rose ${formatSigned(change, 1)}%, beyond the limit of +${limit}%`);
    return `${changed}, beyond the limit of +${limit}%.`;
  }
  return `${changed}, within the limit of +${limit}%.`;
}

/**
 * The comparison as a few lines of plain text for a terminal: who ran, a table of the two runs and their
 * difference with its interval, McNemar's test, the instances that flipped, and how many instances the
 * suite would need.
 */
export function renderComparison(comparison: RunComparison): string {
  const { base, candidate, confidence } = comparison;
  const level = `${Math.round(confidence * 100)}% CI`;
  const rows: [string, string, string, string][] = [
    ['', 'base', 'candidate', `difference (${level})`],
    [
      'resolved, epoch 1',
      `${base.resolved} of ${comparison.paired}`,
      `${candidate.resolved} of ${comparison.paired}`,
      `${formatSigned(candidate.resolved - base.resolved, 0)}`,
    ],
    [
      'resolve rate',
      formatPercent(base.resolveRate),
      formatPercent(candidate.resolveRate),
      formatPoints(comparison.resolveRateDifference),
    ],
    [
      'cost per instance',
      formatUsd(base.costUsd),
      formatUsd(candidate.costUsd),
      formatInterval(comparison.costDifference, formatSignedUsd),
    ],
    [
      'cost in total',
      formatUsd(base.totalCostUsd),
      formatUsd(candidate.totalCostUsd),
      formatInterval(comparison.totalCostDifference, formatSignedUsd),
    ],
    [
      'tokens per instance',
      formatCount(base.tokens),
      formatCount(candidate.tokens),
      formatInterval(comparison.tokensDifference, (value) => formatSigned(value, 0)),
    ],
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const table = rows.map((row) =>
    row
      .map((cell, column) => (column < 3 ? cell.padEnd(widths[column]! + 2) : cell))
      .join('')
      .trimEnd(),
  );
  const paired =
    comparison.onlyInBase.length + comparison.onlyInCandidate.length === 0
      ? `${comparison.paired} instances in both runs`
      : `${comparison.paired} instances in both runs (${comparison.onlyInBase.length} only in the base, ` +
        `${comparison.onlyInCandidate.length} only in the candidate)`;
  const needed = comparison.instancesNeeded
    .map(
      ({ drop, instances }) =>
        `${formatNumber(drop * 100, 0)} points: ${instances === null ? 'n/a' : `about ${instances}`}`,
    )
    .join('; ');
  return [
    `base:      ${describeRun(base)}`,
    `candidate: ${describeRun(candidate)}`,
    paired,
    '',
    ...table,
    '',
    `McNemar's exact test: p = ${formatP(comparison.mcnemarP)} (one-sided, for a drop: ` +
      `${formatP(comparison.mcnemarDropP)}) on ${comparison.lost.length + comparison.gained.length} flips`,
    `lost (${comparison.lost.length}): ${comparison.lost.join(', ') || 'none'}`,
    `gained (${comparison.gained.length}): ${comparison.gained.join(', ') || 'none'}`,
    `paired instances needed to detect a drop (alpha ${formatAlpha(comparison.alpha)}, power 0.8): ${needed}`,
    '',
  ].join('\n');
}

function describeRun(run: RunSummary): string {
  const who = run.agent === undefined ? run.source : `${run.agent}${run.model ? ` on ${run.model}` : ''}`;
  return `${run.suite}, ${who}, ${run.epochs} ${run.epochs === 1 ? 'epoch' : 'epochs'}, ${run.instances} instances`;
}

function formatPoints(interval: Interval, confidence?: number): string {
  const points = (value: number) => formatSigned(value * 100, 1);
  const bounds = `${points(interval.low)} to ${points(interval.high)}`;
  return confidence === undefined
    ? `${points(interval.estimate)} points (${bounds})`
    : `${points(interval.estimate)} points, ${Math.round(confidence * 100)}% CI ${bounds}`;
}

function formatInterval(interval: Interval, format: (value: number) => string): string {
  return `${format(interval.estimate)} (${format(interval.low)} to ${format(interval.high)})`;
}

function formatNumber(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `+1.5`, `−2.0`, `0.0`: a sign for every change, and the typographic minus. */
function formatSigned(value: number, digits: number): string {
  const text = formatNumber(Math.abs(value), digits);
  if (Number(text.replaceAll(',', '')) === 0) return text;
  return `${value < 0 ? MINUS : '+'}${text}`;
}

function formatUsd(value: number): string {
  return `$${formatNumber(value, value !== 0 && Math.abs(value) < 1 ? 4 : 2)}`;
}

function formatSignedUsd(value: number): string {
  const text = formatUsd(Math.abs(value));
  if (Number(text.slice(1).replaceAll(',', '')) === 0) return text;
  return `${value < 0 ? MINUS : '+'}${text}`;
}

function formatPercent(rate: number): string {
  return `${formatNumber(rate * 100, 1)}%`;
}

function formatCount(value: number): string {
  return formatNumber(value, 0);
}

/** Three significant digits (0.250, 0.0625), and scientific notation below 0.001. */
function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toPrecision(3);
}

/** 0.10 rather than 0.1, as alphas are usually written; 0.005 as it is. */
function formatAlpha(alpha: number): string {
  const text = String(alpha);
  return text.length < 4 ? alpha.toFixed(2) : text;
}
