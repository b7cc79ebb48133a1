import path from 'node:path';
import { UserError } from '../../spec/errors.ts';
import { compareEvalRuns, gateEvalRuns, renderComparison } from '../../warden/index.ts';
import { parseCommandArgs, positiveNumber } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';

/** `warden eval compare BASE CAND`. */
export async function compareCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('eval compare', argv, { alpha: { type: 'string' } }, 2);
  const [base, candidate] = runsOf('compare', positionals, io);
  const comparison = await compareEvalRuns({ base, candidate, alpha: alphaOf(values.alpha) });
  io.out(values.json ? `${JSON.stringify(comparison)}\n` : `${renderComparison(comparison)}\n`);
  return EXIT.ok;
}

/** `warden eval gate BASE CAND`: 0 when the candidate passes, 1 when it does not. */
export async function gateCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'eval gate',
    argv,
    { alpha: { type: 'string' }, 'max-cost-increase': { type: 'string' } },
    2,
  );
  const [base, candidate] = runsOf('gate', positionals, io);
  const limit = values['max-cost-increase'];
  const maxCostIncreasePct = limit === undefined ? undefined : Number(limit.replace(/%$/, ''));
  if (maxCostIncreasePct !== undefined && !(maxCostIncreasePct >= 0)) {
    throw new UserError(
      'usage',
      `--max-cost-increase must be a percentage of at least 0, got ${JSON.stringify(limit)}`,
    );
  }
  const { comparison, gate } = await gateEvalRuns({
    base,
    candidate,
    alpha: alphaOf(values.alpha),
    maxCostIncreasePct,
  });
  if (values.json) io.out(`${JSON.stringify({ ...gate, comparison })}\n`);
  else io.out(`${gate.pass ? 'PASS' : 'FAIL'}: ${gate.explanation}\n`);
  return gate.pass ? EXIT.ok : EXIT.failed;
}

function runsOf(command: string, positionals: string[], io: CommandIo): [string, string] {
  if (positionals.length !== 2) {
    throw new UserError('usage', `warden eval ${command}: give two runs, BASE and CAND`, {
      hint: 'see `warden eval --help`',
    });
  }
  return [path.resolve(io.cwd, positionals[0]!), path.resolve(io.cwd, positionals[1]!)];
}

function alphaOf(value: string | undefined): number | undefined {
  const alpha = positiveNumber('alpha', value);
  if (alpha !== undefined && alpha >= 1)
    throw new UserError('usage', `--alpha must be below 1, got ${value}`);
  return alpha;
}
