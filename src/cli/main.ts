import { describeError, UserError, WardenError } from '../spec/errors.ts';
import { DEMO_HELP, demoCommand } from './commands/demo.ts';
import { INIT_HELP, initCommand } from './commands/init.ts';
import { RUN_HELP, runCommand } from './commands/run.ts';
import { TASKS_HELP, tasksCommand } from './commands/tasks.ts';
import { TRACE_HELP, traceCommand } from './commands/trace.ts';
import { EXIT } from './exit-codes.ts';
import { type CommandIo, processIo } from './io.ts';

type Command = (argv: string[], io: CommandIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  run: { run: runCommand, help: RUN_HELP },
  tasks: { run: tasksCommand, help: TASKS_HELP },
  trace: { run: traceCommand, help: TRACE_HELP },
  init: { run: initCommand, help: INIT_HELP },
  demo: { run: demoCommand, help: DEMO_HELP },
};

const USAGE = `warden — run AI coding agents in a sandbox, on a budget, with every step journaled

usage: warden <command> [options]

  run      run an agent on a task in a repository; the change comes back as a branch
  tasks    list recent tasks
  trace    show a task's trajectory (every model call, decision and tool call)
  init     write a commented starter config
  demo     run the offline demo (scripted model, sample repository)

Every command takes --data-dir DIR, --config FILE, --json and --help.
Exit codes: 0 ok, 1 task failed, 2 usage or config error, 3 stopped by a limit.
`;

/** Runs one command line and returns its exit code. Errors are printed, never thrown. */
export async function main(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`warden: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    io.err(`warden ${name}: ${describeError(error)}\n`);
    if (error instanceof UserError) return EXIT.usage;
    if (!(error instanceof WardenError) && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
    return EXIT.failed;
  }
}
