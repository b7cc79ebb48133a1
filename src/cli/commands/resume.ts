import { UserError } from '../../spec/errors.ts';
import { parseCommandArgs, positiveInteger, positiveNumber } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { exitCodeOf, formatReport, openWarden, taskHooks, toReport } from './run.ts';

export const RESUME_HELP = `warden resume TASK [--max-usd N] [--max-steps N] [--allow-loosen] [--json]

Continues a task that waits for an approval (exit code 4 of \`warden run\`), once the request is
approved or denied, a task that was interrupted (its process died), or one stopped by a limit (exit
code 3: steps, wall time, budget), while its workspace is kept (see \`warden tasks\`). A task stopped at
its step or budget limit resumes only under a raised one: --max-steps N or --max-usd N with
--allow-loosen. Model calls already made are not made or paid again; a model call that had no
response is made again. Tool calls already run are not run again; one that was cut off runs again
only if it is read-only (read_file, list_files, search), otherwise the model is told it was
interrupted. Prints the same result as \`warden run\`, with the same exit codes.

The task keeps the limits it started with (budget, steps, wall time, sandbox limits, egress, policy
bundle, models, price table). The current config and the flags may tighten them; a resume under another
policy bundle, other models or price table, or with more egress is refused (exit 2) unless
--allow-loosen is given, which also lets larger numbers of the current config apply. Every change is
journaled as limits-changed.

  --max-usd N        a spending limit for the task, in USD (higher only with --allow-loosen)
  --max-steps N      a limit on model calls for the task (higher only with --allow-loosen)
  --allow-loosen     accept looser limits than the task started with (journaled)
`;

export async function resumeCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'resume',
    argv,
    {
      'max-usd': { type: 'string' },
      'max-steps': { type: 'string' },
      'allow-loosen': { type: 'boolean' },
    },
    1,
  );
  if (values.help) {
    io.out(RESUME_HELP);
    return EXIT.ok;
  }
  const [taskArgument] = positionals;
  if (!taskArgument) {
    throw new UserError('usage', 'warden resume: which task? give its id', { hint: 'see `warden tasks`' });
  }
  const maxUsd = positiveNumber('max-usd', values['max-usd']);
  const maxSteps = positiveInteger('max-steps', values['max-steps']);
  const warden = await openWarden(values, io);
  try {
    const result = await warden.resumeTask(
      taskArgument,
      { maxUsd, maxSteps, allowLoosen: Boolean(values['allow-loosen']) },
      taskHooks(io, Boolean(values.json)),
    );
    const report = toReport(result);
    io.out(values.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    return exitCodeOf(report.status);
  } finally {
    await warden.close();
  }
}
