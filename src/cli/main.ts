import { describeError, UserError, WardenError } from '../spec/errors.ts';
import { wardenVersion } from '../warden/index.ts';
import {
  APPROVALS_HELP,
  APPROVE_HELP,
  approvalsCommand,
  approveCommand,
  DENY_HELP,
  denyCommand,
} from './commands/approvals.ts';
import { BREAKERS_HELP, breakersCommand } from './commands/breakers.ts';
import { COST_HELP, costCommand } from './commands/cost.ts';
import { DEMO_HELP, demoCommand } from './commands/demo.ts';
import { DOCTOR_HELP, doctorCommand } from './commands/doctor.ts';
import { INIT_HELP, initCommand } from './commands/init.ts';
import { MODELS_HELP, modelsCommand } from './commands/models.ts';
import { POLICY_HELP, policyCommand } from './commands/policy.ts';
import { RESUME_HELP, resumeCommand } from './commands/resume.ts';
import { RUN_HELP, runCommand } from './commands/run.ts';
import { TASKS_HELP, tasksCommand } from './commands/tasks.ts';
import { TRACE_HELP, traceCommand } from './commands/trace.ts';
import { EXIT } from './exit-codes.ts';
import { type CommandIo, processIo } from './io.ts';

type Command = (argv: string[], io: CommandIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  run: { run: runCommand, help: RUN_HELP },
  resume: { run: resumeCommand, help: RESUME_HELP },
  tasks: { run: tasksCommand, help: TASKS_HELP },
  trace: { run: traceCommand, help: TRACE_HELP },
  init: { run: initCommand, help: INIT_HELP },
  demo: { run: demoCommand, help: DEMO_HELP },
  policy: { run: policyCommand, help: POLICY_HELP },
  models: { run: modelsCommand, help: MODELS_HELP },
  cost: { run: costCommand, help: COST_HELP },
  breakers: { run: breakersCommand, help: BREAKERS_HELP },
  doctor: { run: doctorCommand, help: DOCTOR_HELP },
  approvals: { run: approvalsCommand, help: APPROVALS_HELP },
  approve: { run: approveCommand, help: APPROVE_HELP },
  deny: { run: denyCommand, help: DENY_HELP },
};

const USAGE = `warden — run AI coding agents in a sandbox, on a budget, with every step journaled

usage: warden <command> [options]

  run      run an agent on a task in a repository; the change comes back as a branch
  resume   continue a task that waited for an approval, or was interrupted
  tasks    list recent tasks
  trace    show a task's trajectory (every model call, decision and tool call)
  init     write a commented starter config
  demo     run the offline demo (scripted model, sample repository)
  policy   test, check, explain, backtest policy bundles; decision statistics
  models   list priced models, tiers and prices
  cost     spend, cost per successful outcome, cache hit ratio, unit economics
  breakers show circuit breakers; "breakers reset" closes them
  doctor   check the store: out-of-range spend, reservations held past their time
  approvals  list pending approval requests
  approve  approve a pending request: warden approve ID
  deny     deny a pending request: warden deny ID [--reason TEXT]

Every command takes --data-dir DIR, --config FILE, --json and --help. \`warden --version\` prints the version.
Exit codes: 0 ok, 1 task failed (or a broken journal), 2 usage or config error, 3 stopped by a limit,
4 awaiting approval, 5 interrupted (resume it).
`;

/** Runs one command line and returns its exit code. Errors are printed, never thrown. */
export async function main(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out(`warden ${wardenVersion()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`warden: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    io.err(`${prefixed(name, describeError(error))}\n`);
    if (error instanceof UserError) {
      // A mistake on the command line: show how the command is called, as the help begins.
      if (error.code === 'usage') io.err(`\nusage: ${command.help.split('\n\n')[0]}\n`);
      return EXIT.usage;
    }
    if (!(error instanceof WardenError) && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
    return EXIT.failed;
  }
}

/** `warden NAME: message`, once: a message that already begins with `warden NAME` keeps its own. */
function prefixed(name: string, message: string): string {
  return message.startsWith(`warden ${name}`) ? message : `warden ${name}: ${message}`;
}
