import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  compareRuns,
  type GateResult,
  gateRuns,
  parseEvalReport,
  type RunComparison,
} from '../eval/index.ts';
import { UserError } from '../spec/errors.ts';

/** `warden eval compare` and `gate`: two runs and the levels to judge them at. */
export interface ComparisonRequest {
  /** A run directory, or its `report.json`. */
  base: string;
  candidate: string;
  alpha?: number | undefined;
  /** Gate only: the most the mean cost per instance may rise, in percent. */
  maxCostIncreasePct?: number | undefined;
}

/**
 * Compares two runs of a suite instance by instance.
 *
 * @throws UserError `eval-report-invalid` for a report that cannot be read or shares no instance.
 */
export async function compareEvalRuns(request: ComparisonRequest): Promise<RunComparison> {
  const [base, candidate] = await Promise.all([readReport(request.base), readReport(request.candidate)]);
  return compareRuns(base, candidate, { alpha: request.alpha });
}

/** The comparison, and whether the candidate passes the gate (see `gateRuns`). */
export async function gateEvalRuns(
  request: ComparisonRequest,
): Promise<{ comparison: RunComparison; gate: GateResult }> {
  const comparison = await compareEvalRuns(request);
  return {
    comparison,
    gate: gateRuns(comparison, { alpha: request.alpha, maxCostIncreasePct: request.maxCostIncreasePct }),
  };
}

async function readReport(where: string) {
  const file = (await stat(where).catch(() => undefined))?.isDirectory()
    ? path.join(where, 'report.json')
    : where;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(
      'eval-report-invalid',
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        cause: error,
        hint: 'name a directory `warden eval run --out` wrote, or its report.json',
      },
    );
  }
  return parseEvalReport(text, file);
}
