import path from 'node:path';
import type { Delivery } from '../../actions/index.ts';
import { type RunTaskResult, runTask, type TaskRuntime } from '../../agent/index.ts';
import { type DiffStat, resolveRepository, type SkippedPath } from '../../sandbox/index.ts';
import { UserError } from '../../spec/errors.ts';
import { parseCommandArgs, positiveInteger, positiveNumber } from '../args.ts';
import { deliverResult } from '../deliver-result.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { createLiveView, usageWarning } from '../live-view.ts';
import { createTaskRuntime, recordOutcome } from '../task-runtime.ts';
import { openWardenContext, type WardenContext } from '../warden-context.ts';

export const RUN_HELP = `warden run --repo DIR --task TEXT [options]

Runs an agent on a task in a private copy of the repository's HEAD and saves its change as the
branch warden/<task-id> in the repository. Your checkout is never touched.

  --repo DIR         the root of the git repository to work on (required)
  --task TEXT        what the agent should do (required)
  --model SPEC       anthropic:MODEL, openai:MODEL, openai-compatible:MODEL@URL or scripted:FILE
  --config FILE      config file (default: <data dir>/config.yaml when present)
  --max-usd N        spending limit for this task in USD
  --max-steps N      most model calls for this task
  --kind NAME        the kind of task (ci-fix, dependency-update, …): picks the tier of a
                     router.routes entry kind:NAME
  --no-branch        do not create the result branch
  --data-dir DIR     Warden's data directory (default: $WARDEN_HOME or ~/.warden)
  --json             print only the result as one JSON object

Exit codes: 0 succeeded, 1 failed, 2 usage or config error, 3 stopped by a limit, 4 awaiting approval,
5 interrupted (\`warden resume TASK\`).
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
}

export async function runCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('run', argv, {
    repo: { type: 'string' },
    task: { type: 'string' },
    model: { type: 'string' },
    'max-usd': { type: 'string' },
    'max-steps': { type: 'string' },
    kind: { type: 'string' },
    'no-branch': { type: 'boolean' },
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
  // Before anything is opened: a path that is not a repository's root is the user's to fix (exit 2).
  const { root } = await resolveRepository(path.resolve(io.cwd, values.repo));
  const context = await openWardenContext({
    dataDir: values['data-dir'],
    config: values.config,
    env: io.env,
  });
  try {
    const result = await executeRun(context, io, {
      repo: root,
      task: values.task,
      model: values.model,
      maxUsd,
      maxSteps,
      kind: values.kind,
      createBranch: !values['no-branch'],
      json: Boolean(values.json),
    });
    const delivery = await deliverResult(context, result.task);
    const report = toReport(result, delivery);
    io.out(values.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    return exitCodeOf(report.status);
  } finally {
    await context.close();
  }
}

export interface RunRequest {
  repo: string;
  task: string;
  model: string | undefined;
  maxUsd?: number | undefined;
  maxSteps?: number | undefined;
  kind?: string | undefined;
  createBranch: boolean;
  json: boolean;
}

/** Builds the parts a task needs from the context and runs it, showing progress on a terminal. */
export async function executeRun(
  context: WardenContext,
  io: CommandIo,
  request: RunRequest,
): Promise<RunTaskResult & { unpriced: boolean }> {
  const { runtime, modelName } = await createTaskRuntime(context, io, request);
  const unpriced = runtime.model.unpriced === true;
  return await withLiveView(context, io, request.json, runtime, async () => {
    const result = await runTask(runtime, {
      repo: request.repo,
      prompt: request.task,
      modelName,
      requestedBy: context.env.USER ?? 'local',
      createBranch: request.createBranch,
    });
    recordOutcome(context, runtime, result.task.id, result.task.status);
    return { ...result, unpriced };
  });
}

/** Shows the task's steps live on a terminal (not with --json or when piped) while `work` runs. */
export async function withLiveView<T>(
  context: WardenContext,
  io: CommandIo,
  json: boolean,
  runtime: TaskRuntime,
  work: () => Promise<T>,
): Promise<T> {
  const live = io.interactive && !json;
  const unpriced = runtime.model.unpriced
    ? ' — UNPRICED: no price is known, calls are counted at $0 (pricing.allowUnpriced)'
    : '';
  if (live)
    runtime.onStart = (task) =>
      io.err(`task ${task.id} on ${task.repo} with ${runtime.model.label}${unpriced}\n`);
  const view = createLiveView();
  const unsubscribe = live
    ? context.journal.subscribe((event) => {
        const line = view(event);
        if (line) io.err(line);
      })
    : () => {};
  // Booking problems are warned about on stderr even when the output is JSON.
  const unsubscribeWarnings = context.journal.subscribe((event) => {
    const line = usageWarning(event);
    if (line) io.err(line);
  });
  try {
    return await work();
  } finally {
    unsubscribe();
    unsubscribeWarnings();
  }
}

export function toReport(
  result: RunTaskResult & { unpriced?: boolean },
  delivery: Delivery | null = null,
): RunReport {
  const { task } = result;
  return {
    taskId: task.id,
    status: task.status,
    branch: task.branch,
    steps: task.steps,
    costUsd: task.costUsd,
    cacheHitRatio: result.cacheHitRatio,
    stopReason: task.stopReason,
    detail: result.detail,
    model: task.model,
    unpriced: result.unpriced === true,
    diffStat: result.branch ? result.branch.stat : null,
    discarded: result.discarded,
    skipped: result.branch?.skipped ?? [],
    workedFromHead: result.dirty,
    trace: `warden trace ${task.id}`,
    pullRequest: delivery?.pullRequest
      ? { number: delivery.pullRequest.number, url: delivery.pullRequest.url }
      : null,
    delivery: delivery ? { status: delivery.status, detail: delivery.detail } : null,
  };
}

export function formatReport(report: RunReport): string {
  const lines = [`task ${report.taskId}: ${report.status} (${report.stopReason}) — ${report.detail}`];
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
  for (const entry of report.skipped) lines.push(`left out of the branch: ${entry.path} (${entry.reason})`);
  if (report.delivery) lines.push(`pull request: ${report.delivery.detail}`);
  const cache =
    report.cacheHitRatio === null ? '' : `   cache hit: ${Math.round(report.cacheHitRatio * 100)}%`;
  const cost = report.unpriced ? 'unpriced (counted as $0)' : `$${report.costUsd.toFixed(4)}`;
  lines.push(`steps: ${report.steps}   cost: ${cost}${cache}`);
  lines.push(`trace: ${report.trace}`);
  return `${lines.join('\n')}\n`;
}

/** `2 files changed, +3 -1`. */
export function describeStat(stat: DiffStat): string {
  return `${stat.filesChanged} file${stat.filesChanged === 1 ? '' : 's'} changed, +${stat.insertions} -${stat.deletions}`;
}

export function exitCodeOf(status: string): number {
  if (status === 'succeeded' || status === 'already-done' || status === 'not-actionable') return EXIT.ok;
  if (status === 'stopped') return EXIT.stopped;
  if (status === 'awaiting_approval') return EXIT.awaitingApproval;
  if (status === 'interrupted') return EXIT.interrupted;
  return EXIT.failed;
}
