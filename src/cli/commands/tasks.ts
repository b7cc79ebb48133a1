import { parseCommandArgs, positiveNumber } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { openWarden } from './run.ts';

export const TASKS_HELP = `warden tasks [--limit N] [--json]

Lists recent tasks, newest first: id, status, stop reason, steps, cost, branch and the task text.
An interrupted task (its process died) says until when \`warden resume TASK\` can continue it; with
--json, \`resumableUntil\` (null once its workspace is removed). A task in shadow mode (\`mode: shadow\`)
shows the pull request it would have opened. With --json each task also has \`trigger\` (what started
it without a person: {kind, event, deliveryId, actor, url, repository, number}, or null) and \`shadow\`
(what a task in shadow mode would have delivered: {repository, branch, title, body}, or null).
`;

export async function tasksCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('tasks', argv, { limit: { type: 'string' } });
  if (values.help) {
    io.out(TASKS_HELP);
    return EXIT.ok;
  }
  const limit = positiveNumber('limit', values.limit);
  const warden = await openWarden(values, io);
  try {
    const tasks = await warden.tasks({ limit: limit ?? 20 });
    const details = await warden.taskDetails(tasks.map((task) => task.id));
    if (values.json) {
      io.out(`${JSON.stringify(tasks.map((task) => ({ ...task, ...details.get(task.id) })))}\n`);
    } else if (tasks.length === 0) {
      io.err('no tasks yet; start one with `warden run` or try `warden demo`\n');
    } else {
      for (const task of tasks) {
        const prompt = task.prompt.length > 50 ? `${task.prompt.slice(0, 47)}...` : task.prompt;
        const resumable =
          task.status === 'interrupted'
            ? task.resumableUntil
              ? `  (resumable until ${task.resumableUntil})`
              : '  (workspace removed)'
            : '';
        const shadow = details.get(task.id)?.shadow;
        const proposed = shadow ? `  (shadow: would open "${shadow.title}")` : '';
        io.out(
          `${task.id}  ${task.status.padEnd(9)}  ${(task.stopReason ?? '').padEnd(10)}  ${String(task.steps).padStart(3)} steps  $${task.costUsd.toFixed(4)}  ${task.branch ?? '-'}  ${prompt}${resumable}${proposed}\n`,
        );
      }
    }
    return EXIT.ok;
  } finally {
    await warden.close();
  }
}
