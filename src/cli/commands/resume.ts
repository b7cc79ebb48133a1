import { resumeTask } from '../../agent/index.ts';
import { UserError } from '../../spec/errors.ts';
import { parseCommandArgs } from '../args.ts';
import { deliverResult } from '../deliver-result.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { createTaskRuntime, recordOutcome } from '../task-runtime.ts';
import { openWardenContext } from '../warden-context.ts';
import { exitCodeOf, formatReport, toReport, withLiveView } from './run.ts';
import { findTask } from './trace.ts';

export const RESUME_HELP = `warden resume TASK [--json]

Continues a task that waits for an approval (exit code 4 of \`warden run\`), once the request is
approved or denied, or a task that was interrupted (its process died) while its workspace is kept
(see \`warden tasks\`). Model calls already made are not made or paid again; a model call that had no
response is made again. Tool calls already run are not run again; one that was cut off runs again
only if it is read-only (read_file, list_files, search), otherwise the model is told it was
interrupted. Prints the same result as \`warden run\`, with the same exit codes.
`;

export async function resumeCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('resume', argv, {}, 1);
  if (values.help) {
    io.out(RESUME_HELP);
    return EXIT.ok;
  }
  const [taskArgument] = positionals;
  if (!taskArgument) {
    throw new UserError('usage', 'warden resume: which task? give its id', { hint: 'see `warden tasks`' });
  }
  const context = await openWardenContext({
    dataDir: values['data-dir'],
    config: values.config,
    env: io.env,
  });
  try {
    const task = await findTask(context.store, taskArgument);
    const { runtime } = await createTaskRuntime(context, io, { model: task.model });
    const result = await withLiveView(context, io, Boolean(values.json), runtime, async () => {
      const resumed = await resumeTask(runtime, task.id);
      recordOutcome(context, runtime, resumed.task.id, resumed.task.status);
      return resumed;
    });
    const report = toReport(result, await deliverResult(context, result.task));
    io.out(values.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    return exitCodeOf(report.status);
  } finally {
    await context.close();
  }
}
