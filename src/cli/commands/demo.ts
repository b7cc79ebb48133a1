import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGit } from '../../sandbox/index.ts';
import { UserError, WardenError } from '../../spec/errors.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { openWardenContext } from '../warden-context.ts';
import { describeStat, executeRun, exitCodeOf, toReport } from './run.ts';

export const DEMO_HELP = `warden demo [--json]

Runs Warden end to end, offline: copies a small TypeScript repository with a real bug and a failing
test into the data directory, and lets the SCRIPTED model fix it (a file of recorded-style model
turns replayed in order; no vendor is called). Prints the branch, the diff stat, the steps, what the
scripted usage would have cost at the named model's price, and how to view the trace.
`;

const EXAMPLE_DIR = fileURLToPath(new URL('../../../examples/demo/', import.meta.url));
const DEMO_TASK =
  'The cart tests fail: totalWithDiscount gives wrong totals. Find the bug, fix it, and make sure all tests pass.';

export async function demoCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('demo', argv, {});
  if (values.help) {
    io.out(DEMO_HELP);
    return EXIT.ok;
  }
  const context = await openWardenContext({
    dataDir: values['data-dir'],
    config: values.config,
    env: io.env,
  });
  try {
    const stamp = new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15);
    const repo = path.join(context.home, 'demo', `shop-cart-${stamp}`);
    mkdirSync(path.dirname(repo), { recursive: true });
    cpSync(path.join(EXAMPLE_DIR, 'repo'), repo, { recursive: true });
    await runGit(['init', '--quiet', '--initial-branch=main'], { cwd: repo });
    await runGit(['add', '-A'], { cwd: repo });
    await runGit(['commit', '--quiet', '-m', 'shop-cart: a cart with a discount bug'], {
      cwd: repo,
      identity: { name: 'Demo Developer', email: 'dev@example.com' },
    });
    if (!values.json) {
      io.err(`demo repository: ${repo}\n`);
      io.err(
        'model: SCRIPTED (replays examples/demo/fix-discount.scripted.yaml; priced as anthropic:claude-opus-4-7)\n\n',
      );
    }
    const result = await executeRun(context, io, {
      repo,
      task: DEMO_TASK,
      model: `scripted:${path.join(EXAMPLE_DIR, 'fix-discount.scripted.yaml')}`,
      createBranch: true,
      json: Boolean(values.json),
    }).catch((error: unknown) => {
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
    await context.close();
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
