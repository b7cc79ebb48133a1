import { describeError, UserError, WardenError } from '../spec/errors.ts';
import { EXIT } from './exit-codes.ts';
import { type CommandIo, processIo } from './io.ts';

type Command = (argv: string[], io: CommandIo) => Promise<number>;

/** A command and its help text, loaded when the command is run. */
interface LoadedCommand {
  run: Command;
  help: string;
}

// Each command is imported only when it runs: a command pays for its own modules (the AI SDK, Cedar,
// Octokit...) and no other's, and `warden --help` for none of them.
const COMMANDS: Record<string, () => Promise<LoadedCommand>> = {
  run: async () => {
    const { runCommand, RUN_HELP } = await import('./commands/run.ts');
    return { run: runCommand, help: RUN_HELP };
  },
  serve: async () => {
    const { serveCommand, SERVE_HELP } = await import('./commands/serve.ts');
    return { run: serveCommand, help: SERVE_HELP };
  },
  migrate: async () => {
    const { migrateCommand, MIGRATE_HELP } = await import('./commands/migrate.ts');
    return { run: migrateCommand, help: MIGRATE_HELP };
  },
  db: async () => {
    const { dbCommand, DB_HELP } = await import('./commands/db.ts');
    return { run: dbCommand, help: DB_HELP };
  },
  context: async () => {
    const { contextCommand, CONTEXT_HELP } = await import('./commands/context.ts');
    return { run: contextCommand, help: CONTEXT_HELP };
  },
  eval: async () => {
    const { evalCommand, EVAL_HELP } = await import('./commands/eval.ts');
    return { run: evalCommand, help: EVAL_HELP };
  },
  worker: async () => {
    const { workerCommand, WORKER_HELP } = await import('./commands/worker.ts');
    return { run: workerCommand, help: WORKER_HELP };
  },
  agents: async () => {
    const { agentsCommand, AGENTS_HELP } = await import('./commands/agents.ts');
    return { run: agentsCommand, help: AGENTS_HELP };
  },
  resume: async () => {
    const { resumeCommand, RESUME_HELP } = await import('./commands/resume.ts');
    return { run: resumeCommand, help: RESUME_HELP };
  },
  tasks: async () => {
    const { tasksCommand, TASKS_HELP } = await import('./commands/tasks.ts');
    return { run: tasksCommand, help: TASKS_HELP };
  },
  trace: async () => {
    const { traceCommand, TRACE_HELP } = await import('./commands/trace.ts');
    return { run: traceCommand, help: TRACE_HELP };
  },
  init: async () => {
    const { initCommand, INIT_HELP } = await import('./commands/init.ts');
    return { run: initCommand, help: INIT_HELP };
  },
  demo: async () => {
    const { demoCommand, DEMO_HELP } = await import('./commands/demo.ts');
    return { run: demoCommand, help: DEMO_HELP };
  },
  policy: async () => {
    const { policyCommand, POLICY_HELP } = await import('./commands/policy.ts');
    return { run: policyCommand, help: POLICY_HELP };
  },
  models: async () => {
    const { modelsCommand, MODELS_HELP } = await import('./commands/models.ts');
    return { run: modelsCommand, help: MODELS_HELP };
  },
  cost: async () => {
    const { costCommand, COST_HELP } = await import('./commands/cost.ts');
    return { run: costCommand, help: COST_HELP };
  },
  audit: async () => {
    const { auditCommand, AUDIT_HELP } = await import('./commands/audit.ts');
    return { run: auditCommand, help: AUDIT_HELP };
  },
  outcomes: async () => {
    const { outcomesCommand, OUTCOMES_HELP } = await import('./commands/outcomes.ts');
    return { run: outcomesCommand, help: OUTCOMES_HELP };
  },
  breakers: async () => {
    const { breakersCommand, BREAKERS_HELP } = await import('./commands/breakers.ts');
    return { run: breakersCommand, help: BREAKERS_HELP };
  },
  telemetry: async () => {
    const { telemetryCommand, TELEMETRY_HELP } = await import('./commands/telemetry.ts');
    return { run: telemetryCommand, help: TELEMETRY_HELP };
  },
  doctor: async () => {
    const { doctorCommand, DOCTOR_HELP } = await import('./commands/doctor.ts');
    return { run: doctorCommand, help: DOCTOR_HELP };
  },
  approvals: async () => {
    const { approvalsCommand, APPROVALS_HELP } = await import('./commands/approvals.ts');
    return { run: approvalsCommand, help: APPROVALS_HELP };
  },
  approve: async () => {
    const { approveCommand, APPROVE_HELP } = await import('./commands/approvals.ts');
    return { run: approveCommand, help: APPROVE_HELP };
  },
  deny: async () => {
    const { denyCommand, DENY_HELP } = await import('./commands/approvals.ts');
    return { run: denyCommand, help: DENY_HELP };
  },
};

const USAGE = `warden — run AI coding agents in a sandbox, on a budget, with every step journaled

usage: warden <command> [options]

  run      run an agent on a task in a repository; the change comes back as a branch
  serve    run the HTTP API: start tasks, read tasks and traces, answer approvals
  worker   run tasks from a fleet's PostgreSQL queue (any number of workers, any machines)
  migrate  bring the store (SQLite, or the fleet's PostgreSQL) to this version's schema
  db       db copy: move an installation from its SQLite file to PostgreSQL, journals verified after
  agents   list the declared agents (agents check: validate them)
  resume   continue a task that waited for an approval, or was interrupted
  tasks    list recent tasks
  trace    show a task's trajectory (every model call, decision and tool call)
  audit    what a task did, on whose authority, what it touched, how to undo it; verify; search
  init     write a commented starter config
  demo     run the offline demo (scripted model, sample repository)
  policy   test, check, explain, backtest policy bundles; decision statistics
  context  context map: the repository map a model gets for a task (search, localize)
  eval     run a SWE-bench-format suite (predictions, gold, or an agent); compare and gate two runs
  models   list priced models, tiers and prices
  cost     spend, cost per successful outcome, cache hit ratio, unit economics
  outcomes what became of Warden's pull requests: first-pass accept rate, time to merge
  breakers show circuit breakers; "breakers reset" closes them
  telemetry  export a finished task's OpenTelemetry spans again: warden telemetry export TASK
  doctor   check the store: out-of-range spend, reservations held past their time
  approvals  list pending approval requests
  approve  approve a pending request: warden approve ID
  deny     deny a pending request: warden deny ID [--reason TEXT]

Every command takes --data-dir DIR, --db URL (PostgreSQL for a fleet; or $WARDEN_DATABASE_URL), --config FILE,
--json and --help. \`warden --version\` prints the version.
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
    // Only the version's own module: the rest of the core is not needed to print it.
    const { wardenVersion } = await import('../warden/version.ts');
    io.out(`warden ${wardenVersion()}\n`);
    return EXIT.ok;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    io.err(`warden: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const command = await load();
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
