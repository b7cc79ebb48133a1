import path from 'node:path';
import { UserError } from '../../spec/errors.ts';
import { type EvalProgress, type EvalReport, runEvalSuite } from '../../warden/index.ts';
import { parseCommandArgs, positiveInteger } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { compareCommand, gateCommand } from './eval-compare.ts';
import { promoteCommand } from './eval-promote.ts';
import { openWarden } from './run.ts';

export const EVAL_HELP = `warden eval <subcommand> [options]

  run      runs a suite: evaluates predictions or gold patches, or runs an agent on every instance
  compare  compares two runs instance by instance (McNemar's exact test, bootstrap intervals)
  gate     exits 1 when a candidate run resolves significantly fewer instances or costs too much more
  promote  turns a production task that failed (or whose pull request was rejected, reverted or fixed
           by a human) into an instance of a suite

warden eval run --suite FILE (--predictions FILE | --predictions gold | --agent NAME [--model SPEC])
                [--epochs N] [--concurrency N] [--instances ID,…] --out DIR [--json]

  --suite FILE         instances in SWE-bench's format, one JSON object a line (see docs/architecture/eval.md)
  --predictions FILE   SWE-bench predictions ({instance_id, model_name_or_path, model_patch} a line):
                       only evaluate them; \`gold\` evaluates each instance's own patch (validates a suite)
  --agent NAME         run this declared agent on every instance, as production runs it (config, sandbox,
                       policy, budget), and evaluate its change; --model SPEC picks the model
  --epochs N           trials per instance (default 1): pass@1 and pass^k come from them
  --concurrency N      trials at once (default 1)
  --instances ID,…     only these instances
  --out DIR            where trials and report.json go; a rerun with the same DIR skips finished trials

warden eval compare BASE CAND [--alpha A] [--json]
warden eval gate BASE CAND [--alpha A] [--max-cost-increase PCT] [--json]

  BASE, CAND           two run directories (or their report.json)

warden eval promote TASK --out FILE [--fix COMMIT] [--json]

  TASK                 a task (id or unique prefix) that failed, stopped or ended unverified after its
                       check failed, or whose pull request was rejected, reverted, or merged only after
                       a human commit on its branch
  --out FILE           the suite to append the instance to (created when missing); an id already in it
                       is refused
  --fix COMMIT         the commit holding the human fix, in the task's repository; without it: the merged
                       pull request's head, or a later commit naming the task. Its diff from the base is
                       split into patch and test_patch; FAIL_TO_PASS and PASS_TO_PASS are left to name

Exit codes: run 0 when every trial finished (whatever it resolved), 2 usage; gate 0 pass, 1 fail, 2 usage;
promote 0 appended, 2 usage (a task that does not qualify, an id already in FILE).
`;

/** `warden eval …`. */
export async function evalCommand(argv: string[], io: CommandIo): Promise<number> {
  const [subcommand, ...rest] = argv;
  switch (subcommand) {
    case 'run':
      return await runCommand(rest, io);
    case 'compare':
      return await compareCommand(rest, io);
    case 'gate':
      return await gateCommand(rest, io);
    case 'promote':
      return await promoteCommand(rest, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(EVAL_HELP);
      return subcommand === undefined ? EXIT.usage : EXIT.ok;
    default:
      throw new UserError('usage', `warden eval: unknown subcommand ${JSON.stringify(subcommand)}`, {
        hint: 'see `warden eval --help`',
      });
  }
}

async function runCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('eval run', argv, {
    suite: { type: 'string' },
    predictions: { type: 'string' },
    agent: { type: 'string' },
    model: { type: 'string' },
    epochs: { type: 'string' },
    concurrency: { type: 'string' },
    instances: { type: 'string' },
    out: { type: 'string' },
  });
  if (values.help) {
    io.out(EVAL_HELP);
    return EXIT.ok;
  }
  if (values.suite === undefined || values.out === undefined) {
    throw new UserError('usage', 'warden eval run: --suite FILE and --out DIR are required', {
      hint: 'see `warden eval --help`',
    });
  }
  if (values.predictions !== undefined && (values.agent !== undefined || values.model !== undefined)) {
    throw new UserError('usage', 'warden eval run: --predictions and --agent/--model exclude each other');
  }
  const resolve = (file: string) => (file === 'gold' ? file : path.resolve(io.cwd, file));
  const warden = await openWarden(values, io);
  try {
    const progress = createProgress(io, Boolean(values.json));
    const report = await runEvalSuite(warden, {
      suite: path.resolve(io.cwd, values.suite),
      predictions: values.predictions === undefined ? undefined : resolve(values.predictions),
      agent: values.agent,
      model: values.model,
      epochs: positiveInteger('epochs', values.epochs),
      concurrency: positiveInteger('concurrency', values.concurrency),
      instances: values.instances
        ?.split(',')
        .map((id) => id.trim())
        .filter((id) => id !== ''),
      outDir: path.resolve(io.cwd, values.out),
      onProgress: progress,
    });
    progress.end();
    io.out(
      values.json ? `${JSON.stringify(report)}\n` : renderReport(report, path.resolve(io.cwd, values.out)),
    );
    return EXIT.ok;
  } finally {
    await warden.close();
  }
}

/** A live bar on a terminal, one line per finished trial when piped, nothing with --json. */
function createProgress(io: CommandIo, json: boolean): ((progress: EvalProgress) => void) & { end(): void } {
  let drawn = false;
  const update = (progress: EvalProgress) => {
    if (json) return;
    const { done, total, skipped, trial } = progress;
    if (trial === undefined) {
      if (skipped > 0) io.err(`${skipped} of ${total} trials finished by an earlier run: skipped\n`);
      return;
    }
    const line = `${trial.instanceId} #${trial.epoch}: ${trial.status}${trial.error ? ` (${trial.error.split('\n')[0]})` : ''}`;
    if (!io.interactive) {
      io.err(`[${done}/${total}] ${line}\n`);
      return;
    }
    const width = 24;
    const filled = Math.round((done / Math.max(1, total)) * width);
    io.err(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${line}`);
    drawn = true;
  };
  return Object.assign(update, {
    end: () => {
      if (drawn) io.err('\n');
    },
  });
}

/** The terminal table of a run. */
export function renderReport(report: EvalReport, dir: string): string {
  const { totals, instances } = report.warden;
  const rows = instances.map((instance) => [
    instance.instanceId,
    instance.status,
    `${instance.resolvedTrials}/${instance.trials}`,
    `$${instance.costUsd.toFixed(4)}`,
    String(instance.tokens),
    `${(instance.wallMsP50 / 1000).toFixed(1)} s`,
  ]);
  const header = ['instance', 'epoch 1', 'resolved', 'cost', 'tokens', 'wall p50'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const hatK = Object.entries(totals.passHatK)
    .map(([k, value]) => `pass^${k} ${(value * 100).toFixed(1)}%`)
    .join(', ');
  return [
    line(header),
    ...rows.map(line),
    '',
    `resolved ${report.resolved_instances} of ${report.total_instances} instances (submitted ${report.submitted_instances}, errors ${report.error_instances}, empty patches ${report.empty_patch_instances})`,
    `pass@1 ${(totals.passAt1 * 100).toFixed(1)}%${hatK === '' ? '' : `, ${hatK}`} over ${totals.trials} trials`,
    `cost $${totals.costUsd.toFixed(4)}${totals.costPerResolvedUsd === null ? '' : `, $${totals.costPerResolvedUsd.toFixed(4)} per resolved trial`}; ${totals.tokens} tokens; wall p50 ${(totals.wallMsP50 / 1000).toFixed(1)} s, p95 ${(totals.wallMsP95 / 1000).toFixed(1)} s`,
    `tool errors ${totals.toolErrorRate === null ? '-' : `${(totals.toolErrorRate * 100).toFixed(1)}%`}, policy denials ${totals.policyDenials}, early exits ${totals.earlyExits}`,
    `report: ${path.join(dir, 'report.json')}`,
    '',
  ].join('\n');
}
