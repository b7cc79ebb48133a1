import { UserError, WardenError } from '../../spec/errors.ts';
import { createDemoRepository, DEMO_TASK } from '../../warden/index.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { describeStat, exitCodeOf, openWarden, taskHooks, toReport, verificationLine } from './run.ts';

export const DEMO_HELP = `warden demo [--json]

Runs Warden end to end, offline: copies a small TypeScript repository with a real bug and a failing
test into the data directory, and lets the SCRIPTED model fix it (a file of recorded-style model
turns replayed in order; no vendor is called). Prints the branch, the diff stat, the steps, what the
scripted usage would have cost at the named model's price, and how to view the trace.
`;

export async function demoCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('demo', argv, {});
  if (values.help) {
    io.out(DEMO_HELP);
    return EXIT.ok;
  }
  const warden = await openWarden(values, io);
  try {
    const { repo, model } = await createDemoRepository(warden.home);
    if (!values.json) {
      io.err(`demo repository: ${repo}\n`);
      io.err(
        'model: SCRIPTED (replays examples/demo/fix-discount.scripted.yaml; priced as anthropic:claude-opus-4-7)\n\n',
      );
    }
    // The demo shows a run in the repository; it delivers nothing to a forge.
    const result = await warden
      .runTask(
        { repo, task: DEMO_TASK, model, createBranch: true, deliver: false },
        taskHooks(io, Boolean(values.json)),
      )
      .catch((error: unknown) => {
        throw demoNeeds(error);
      });
    const report = { ...toReport(result), repo };
    if (values.json) {
      io.out(`${JSON.stringify(report)}\n`);
    } else {
      const stat = report.diffStat;
      const agentText = result.finalText.replace(/\s+/g, ' ').trim();
      const dataDir = values['data-dir'] ? ` --data-dir ${values['data-dir']}` : '';
      // Only a branch is a change to look at: a stopped or refused run says why, and nothing more.
      io.out(
        [
          '',
          `Warden demo: ${report.status} — ${result.detail}`,
          `  ${verificationLine(report)}`,
          `  task     ${report.taskId}`,
          ...(report.branch && stat ? [`  branch   ${report.branch}  (${describeStat(stat)})`] : []),
          `  steps    ${report.steps} model calls`,
          `  cost     $${report.costUsd.toFixed(4)} — what this scripted usage would cost on anthropic:claude-opus-4-7`,
          ...(agentText ? [`  agent    ${agentText}`] : []),
          '',
          ...(report.branch ? [`  see the change:  git -C ${repo} show ${report.branch}`] : []),
          `  see the trace:   npx warden trace ${report.taskId}${dataDir}`,
          '',
        ].join('\n'),
      );
    }
    return exitCodeOf(report.status);
  } finally {
    await warden.close();
  }
}

/** A sandbox that cannot start is what a first-time user meets most: say what the demo needs. */
function demoNeeds(error: unknown): unknown {
  if (!(error instanceof WardenError) || error.code !== 'sandbox-unavailable') return error;
  return new UserError('sandbox-unavailable', `the demo needs Linux with bubblewrap: ${error.message}`, {
    hint: 'sudo apt-get install bubblewrap (Debian, Ubuntu; `sudo dnf install bubblewrap` on Fedora), then `npm start` again',
    cause: error,
  });
}
