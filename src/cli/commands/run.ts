import path from 'node:path';
import { ENV } from '../../spec/env.ts';
import { UserError } from '../../spec/errors.ts';
import type { Verification } from '../../spec/types.ts';
import {
  createWarden,
  type DiffStat,
  type ShadowResult,
  type SkippedPath,
  type TaskChild,
  type TaskHooks,
  type TaskResult,
  type Warden,
} from '../../warden/index.ts';
import { parseCommandArgs, positiveInteger, positiveNumber } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { createLiveView, usageWarning } from '../live-view.ts';

export const RUN_HELP = `warden run --repo DIR --task TEXT [options]

Runs an agent on a task in a private copy of the repository's HEAD and saves its change as the
branch warden/<task-id> in the repository. Your checkout is never touched.

  --repo DIR         the root of the git repository to work on (required)
  --task TEXT        what the agent should do (required)
  --agent NAME       a declared agent (agents: in the config, or agents/NAME.yaml beside it);
                     default: the one agent: declares (\`warden agents\` lists them)
  --model SPEC       anthropic:MODEL, openai:MODEL, openai-compatible:MODEL@URL or scripted:FILE
  --config FILE      config file (default: <data dir>/config.yaml when present)
  --max-usd N        spending limit for this task in USD
  --max-steps N      most model calls for this task
  --kind NAME        the kind of task (ci-fix, dependency-update, …): picks the tier of a
                     router.routes entry kind:NAME
  --no-branch        do not create the result branch
  --queue            queue the task for the fleet's workers (\`warden worker\`) and print its id,
                     instead of running it here; needs --db postgres://… (or WARDEN_DATABASE_URL)
  --data-dir DIR     Warden's data directory (default: $WARDEN_HOME or ~/.warden)
  --db URL           where the data lives: postgres://… (a fleet), or sqlite:PATH
                     (default: $WARDEN_DATABASE_URL, else the data directory's SQLite file)
  --json             print only the result as one JSON object

A task succeeds only when its check (agent.check, by default the repository's own test command) passed
on its change; one that no check verified ends "unverified".

Exit codes: 0 succeeded, unverified, already done or not actionable (see the status), 1 failed, 2 usage
or config error, 3 stopped by a limit, 4 awaiting approval, 5 interrupted (\`warden resume TASK\`).
`;

/** The JSON `warden run --json` prints: the documented contract. */
export interface RunReport {
  taskId: string;
  status: string;
  branch: string | null;
  steps: number;
  costUsd: number;
  /** Share of the task's input tokens read from a prompt cache; `null` when it made no model call. */
  cacheHitRatio: number | null;
  stopReason: string | null;
  /** How the work was verified: the check `passed` or `failed` (the last run counts), or none ran (`none`). */
  verification: Verification;
  /** The check the task ran when the model finished, and where it came from; `null` without one. */
  check: { command: string; source: string } | null;
  detail: string;
  model: string;
  /** True when the model has no known price and ran at $0 (`pricing.allowUnpriced`): `costUsd` is not real. */
  unpriced: boolean;
  diffStat: DiffStat | null;
  /** With `--no-branch`, the size of the change the agent made and Warden discarded; otherwise `null`. */
  discarded: DiffStat | null;
  /**
   * Workspace paths left out of the branch, and why (a nested `.git`, a link out of the workspace, …);
   * empty when everything went in or there is no branch.
   */
  skipped: SkippedPath[];
  workedFromHead: boolean;
  trace: string;
  /** The pull request the result was delivered as; `null` without a forge or when delivery did not open one. */
  pullRequest: { number: number; url: string } | null;
  /** How delivery to the forge went; `null` when nothing was delivered (no forge, no success, no branch). */
  delivery: { status: string; detail: string } | null;
  /** Shadow mode (`mode: shadow`): the pull request it would have opened, sent nowhere; `null` otherwise. */
  shadow: ShadowResult | null;
  /** The agent the task ran as. */
  agent: string;
  /** How it ran: `single` (one loop) or `pipeline`. */
  pattern: string;
  /** A pipeline's stages as they ran; empty for one loop. */
  children: TaskChild[];
}

export async function runCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('run', argv, {
    repo: { type: 'string' },
    task: { type: 'string' },
    model: { type: 'string' },
    'max-usd': { type: 'string' },
    'max-steps': { type: 'string' },
    kind: { type: 'string' },
    agent: { type: 'string' },
    'no-branch': { type: 'boolean' },
    queue: { type: 'boolean' },
  });
  if (values.help) {
    io.out(RUN_HELP);
    return EXIT.ok;
  }
  if (!values.repo)
    throw new UserError('usage', 'warden run: --repo DIR is required', { hint: 'see `warden run --help`' });
  if (!values.task?.trim())
    throw new UserError('usage', 'warden run: --task TEXT is required', { hint: 'see `warden run --help`' });
  const maxUsd = positiveNumber('max-usd', values['max-usd']);
  const maxSteps = positiveInteger('max-steps', values['max-steps']);
  if (values.kind !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(values.kind)) {
    throw new UserError('usage', `warden run: --kind ${JSON.stringify(values.kind)} is not a name`, {
      hint: 'letters, digits, ".", "_" and "-", as in router.routes kind:NAME',
    });
  }
  const request = {
    repo: path.resolve(io.cwd, values.repo),
    task: values.task,
    model: values.model,
    maxUsd,
    maxSteps,
    kind: values.kind,
    agent: values.agent,
    createBranch: !values['no-branch'],
  };
  const warden = await openWarden(values, io);
  try {
    if (values.queue) {
      const taskId = await warden.enqueueTask(request);
      io.out(values.json ? `${JSON.stringify({ taskId, status: 'queued' })}\n` : `task ${taskId} queued\n`);
      return EXIT.ok;
    }
    const result = await warden.runTask(request, taskHooks(io, Boolean(values.json)));
    const report = toReport(result);
    io.out(values.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    return exitCodeOf(report.status);
  } finally {
    await warden.close();
  }
}

/** The Warden of the data directory and config the command's flags name; its warnings go to stderr. */
export function openWarden(
  values: { 'data-dir'?: string | undefined; db?: string | undefined; config?: string | undefined },
  io: CommandIo,
  fleet: { leaseMs?: number | undefined } = {},
): Promise<Warden> {
  return createWarden({
    dataDir: values['data-dir'],
    database: values.db ?? (io.env[ENV.databaseUrl] || undefined),
    configPath: values.config,
    env: io.env,
    warn: io.err,
    leaseMs: fleet.leaseMs,
  });
}

/**
 * What a running task shows: its steps live on a terminal (not with --json or when piped), and booking
 * problems on stderr always, even when the output is JSON.
 */
export function taskHooks(io: CommandIo, json: boolean): TaskHooks {
  const live = io.interactive && !json;
  const view = createLiveView();
  return {
    onStart: live
      ? (task, model) => {
          const unpriced = model.unpriced
            ? ' — UNPRICED: no price is known, calls are counted at $0 (pricing.allowUnpriced)'
            : '';
          io.err(`task ${task.id} on ${task.repo} with ${model.label}${unpriced}\n`);
        }
      : undefined,
    onEvent: (event) => {
      const line = live ? view(event) : undefined;
      if (line) io.err(line);
      const warning = usageWarning(event);
      if (warning) io.err(warning);
    },
  };
}

export function toReport(result: TaskResult): RunReport {
  const { task, delivery } = result;
  return {
    taskId: task.id,
    status: task.status,
    branch: task.branch,
    steps: task.steps,
    costUsd: task.costUsd,
    cacheHitRatio: result.cacheHitRatio,
    stopReason: task.stopReason,
    verification: result.verification,
    check: result.check,
    detail: result.detail,
    model: task.model,
    unpriced: result.unpriced,
    diffStat: result.branch ? result.branch.stat : null,
    discarded: result.discarded,
    skipped: result.branch?.skipped ?? [],
    workedFromHead: result.dirty,
    trace: `warden trace ${task.id}`,
    pullRequest: delivery?.pullRequest
      ? { number: delivery.pullRequest.number, url: delivery.pullRequest.url }
      : null,
    delivery: delivery ? { status: delivery.status, detail: delivery.detail } : null,
    shadow: result.shadow,
    agent: result.agent,
    pattern: result.pattern,
    children: result.children,
  };
}

export function formatReport(report: RunReport): string {
  const lines = [`task ${report.taskId}: ${report.status} (${report.stopReason}) — ${report.detail}`];
  lines.push(verificationLine(report));
  if (report.workedFromHead)
    lines.push('note: the repository had uncommitted changes; the agent worked from HEAD without them');
  if (report.status === 'awaiting_approval') {
    lines.push(
      `waiting for a human: see \`warden approvals\`, then \`warden approve ID\` or \`warden deny ID\`, then \`warden resume ${report.taskId}\``,
    );
  } else if (report.branch && report.diffStat) {
    lines.push(`branch: ${report.branch}  (${describeStat(report.diffStat)})`);
  } else if (report.discarded) {
    lines.push(`branch: none (--no-branch: the change was discarded: ${describeStat(report.discarded)})`);
  } else if (report.stopReason === 'breaker' && report.steps === 0) {
    // Refused before the first model call: there is no change to speak of, only the breaker to reset.
  } else if (report.detail.startsWith('the change could not be saved')) {
    lines.push('branch: none (the change could not be saved: see above)');
  } else {
    lines.push('branch: none (the agent changed nothing)');
  }
  for (const child of report.children) lines.push(`  ${describeChild(child)}`);
  for (const entry of report.skipped) lines.push(`left out of the branch: ${entry.path} (${entry.reason})`);
  if (report.delivery) lines.push(`pull request: ${report.delivery.detail}`);
  if (report.shadow) {
    lines.push(
      `shadow mode: nothing pushed or posted; it would open "${report.shadow.title}" (see the trace)`,
    );
  }
  const cache =
    report.cacheHitRatio === null ? '' : `   cache hit: ${Math.round(report.cacheHitRatio * 100)}%`;
  const cost = report.unpriced ? 'unpriced (counted as $0)' : `$${report.costUsd.toFixed(4)}`;
  lines.push(`steps: ${report.steps}   cost: ${cost}${cache}`);
  lines.push(`trace: ${report.trace}`);
  return `${lines.join('\n')}\n`;
}

/** `stage fix: passed, 3 steps, $0.0123, check passed`. */
export function describeChild(child: TaskChild): string {
  const status =
    child.status === 'ended-task'
      ? `ended the task (${child.stopReason})`
      : child.status === 'failed'
        ? `failed (${child.stopReason})`
        : child.status;
  const check = child.verification === 'none' ? '' : `, check ${child.verification}`;
  return `${child.kind} ${child.name}: ${status}, ${child.steps} step${child.steps === 1 ? '' : 's'}, $${child.costUsd.toFixed(4)}${check}`;
}

/** `2 files changed, +3 -1`. */
export function describeStat(stat: DiffStat): string {
  return `${stat.filesChanged} file${stat.filesChanged === 1 ? '' : 's'} changed, +${stat.insertions} -${stat.deletions}`;
}

/** One line on how the task's work was verified, so an unverified result never reads as a success. */
export function verificationLine(report: Pick<RunReport, 'verification' | 'check'>): string {
  if (report.check === null)
    return 'verification: none — no check ran, the result is UNVERIFIED (set agent.check, or give the repository a test command)';
  const check = `\`${report.check.command}\` (${report.check.source})`;
  if (report.verification === 'none') return `verification: none — ${check} did not run`;
  return `verification: ${check} ${report.verification}`;
}

/** An unverified task exits 0 like a success (its work may well be right); the status and report say it is unverified. */
export function exitCodeOf(status: string): number {
  if (
    status === 'succeeded' ||
    status === 'unverified' ||
    status === 'already-done' ||
    status === 'not-actionable'
  )
    return EXIT.ok;
  // Denied or stopped: a secret in the change blocked it.
  if (status === 'stopped' || status === 'blocked') return EXIT.stopped;
  if (status === 'awaiting_approval') return EXIT.awaitingApproval;
  if (status === 'interrupted') return EXIT.interrupted;
  return EXIT.failed;
}
