import path from 'node:path';
import { createSecretScanner, TaskGuard } from '../guard/index.ts';
import {
  type BranchResult,
  createWorkspace,
  type DiffStat,
  type ResolvedRepository,
  readDiffStat,
  reopenWorkspace,
  type Workspace,
} from '../sandbox/index.ts';
import { describeError, SystemError, UserError } from '../spec/errors.ts';
import type { ContextSource } from '../spec/provenance.ts';
import { RESUMABLE_STOPS, type Task } from '../spec/types.ts';
import { errorCode } from './internal/error-code.ts';
import { finishTask } from './internal/finish-task.ts';
import { checkLimitRaised } from './internal/limit-raised.ts';
import { openTaskSandbox } from './internal/open-task-sandbox.ts';
import { loadResumableTask } from './internal/resumable-task.ts';
import { saveResultBranch, screenForSecrets } from './internal/save-result-branch.ts';
import { recordInterruptedCalls } from './record-interrupted-calls.ts';
import { type ResumeState, replayJournal } from './replay-journal.ts';
import { type CheckCommand, recordedCheckCommand, resolveCheckCommand } from './resolve-check-command.ts';
import { type PipelineResume, pipelineResumeOf } from './run-pipeline.ts';
import { openTaskTaint } from './screen-tool-output.ts';
import { childrenOf } from './task-children.ts';
import { newTaskId } from './task-id.ts';
import type { LimitChange } from './task-limits.ts';
import { currentTaskOwner } from './task-owner.ts';
import type { NewTaskRequest, RunTaskResult, StartedWorkspace, TaskRuntime } from './task-runtime.ts';
import { taskStatusOf, verificationOf } from './task-verification.ts';
import { work } from './task-work.ts';

/**
 * Takes one task from a prompt to a branch: a private workspace cloned from the repository's HEAD, the
 * agent loop inside the sandbox, then the change committed as `warden/<task-id>` in the user's
 * repository. The user's checkout is never touched. A task that waits for an approval keeps its
 * workspace for `resumeTask`; any other end removes it.
 *
 * @throws UserError when the repository is unusable (nothing is recorded then: no task was started).
 */
export async function runTask(runtime: TaskRuntime, request: NewTaskRequest): Promise<RunTaskResult> {
  const started =
    request.started ??
    startWorkspace({
      repo: request.repo,
      scratchDir: runtime.scratchDir,
      mirrorsDir: runtime.mirrorsDir,
      resolved: request.resolved,
    });
  const { taskId } = started;
  // The main thread is free while git checks the files out: the policy engine loads then, not while
  // the steps before it wait for the main thread to start them.
  started.cloning.then(() => setImmediate(() => runtime.warmUp?.()));
  // The sandbox's check and the workspace's git work overlap; the check's verdict still comes first.
  const making = Promise.allSettled([runtime.sandbox.check(), started.workspace]);
  const [checked, made] = await making;
  if (checked.status === 'rejected') {
    if (made.status === 'fulfilled') await made.value.destroy();
    throw checked.reason;
  }
  if (made.status === 'rejected') throw made.reason;
  const workspace = made.value;
  let task: Task;
  let check: CheckCommand | null;
  try {
    // Chosen from the base commit, before the agent can change the files detection reads.
    check = await resolveCheckCommand(runtime.check, workspace.dir);
    // The row and its start in one transaction: a worker killed in between leaves neither behind.
    ({ task } = await runtime.journal.start(
      {
        id: taskId,
        prompt: request.prompt,
        repo: request.repo,
        baseCommit: workspace.baseCommit,
        model: request.modelName,
        requestedBy: request.requestedBy,
        createdAt: new Date().toISOString(),
        owner: currentTaskOwner(),
        leaseUntil: leaseUntil(runtime),
      },
      {
        prompt: request.prompt,
        repo: request.repo,
        baseCommit: workspace.baseCommit,
        model: runtime.model.label,
        requestedBy: request.requestedBy,
        agent: runtime.agent.name,
        team: runtime.agent.team,
        trustTier: runtime.agent.trustTier,
        createBranch: request.createBranch,
        limits: runtime.taskLimits,
        trigger: request.trigger,
        shadow: request.shadow === true ? true : undefined,
      },
    ));
    await runtime.journal.append(taskId, 'workspace-ready', {
      baseCommit: workspace.baseCommit,
      dirty: workspace.dirty,
      sandbox: runtime.sandbox.name,
      check,
      toolchain: await runtime.sandbox.describeToolchain?.(workspace.dir),
      note: workspace.dirty
        ? 'the repository had uncommitted changes; the task works from HEAD without them'
        : undefined,
    });
  } catch (error) {
    await workspace.destroy();
    throw error;
  }
  runtime.onStart?.(task);
  return driveTask(runtime, task, workspace, {
    createBranch: request.createBranch,
    check,
    sources: request.sources,
  });
}

/**
 * Continues a task from its journal: one that waits for an approval, or one that was `interrupted` (its
 * process died) while its workspace is still kept. Model calls already made are not made (or paid)
 * again; a model call that had no response is made again. Tool calls already run are not run again; one
 * that had started but not ended runs again only if it is read-only, otherwise the model is told it was
 * interrupted (see `recordInterruptedCalls`). The call that waited for an approval runs if a human
 * approved it, or goes back to the model as denied.
 *
 * @throws UserError `task-not-found`, or `task-not-resumable` when the task is neither waiting nor
 *   interrupted, or its workspace is gone.
 */
export async function resumeTask(
  runtime: TaskRuntime,
  taskId: string,
  options: { limitChanges?: readonly LimitChange[] } = {},
): Promise<RunTaskResult> {
  const task = await loadResumableTask(runtime.store, taskId);
  if (runtime.orchestrator || runtime.swarm) {
    throw new UserError(
      'task-not-resumable',
      `task ${taskId} ran an orchestrator or a swarm, which cannot be resumed yet`,
      {
        hint: 'run the task again with `warden run`',
      },
    );
  }
  // A resume replays the journal into the model's context and the guard's counts: only a verified one.
  const chain = await runtime.journal.verify(taskId);
  if (!chain.ok) {
    throw new SystemError(
      'journal-corrupt',
      `task ${taskId} is not resumed: its journal does not verify (event ${chain.brokenAt}: ${chain.problem})`,
      { hint: `\`warden trace ${taskId}\` shows where; start the task again with \`warden run\`` },
    );
  }
  if (task.status === 'stopped') checkLimitRaised(task, runtime.taskLimits, options.limitChanges ?? []);
  setImmediate(() => runtime.warmUp?.());
  await runtime.sandbox.check();
  if (task.status === 'interrupted') await recordInterruptedCalls(runtime.journal, taskId);
  const events = await runtime.journal.events(taskId);
  const resume = replayJournal(events);
  // A pipeline goes on after its passed stages, inside the one that was running.
  const pipeline = runtime.stages ? pipelineResumeOf(events) : undefined;
  const start = events[0];
  const createBranch = start?.type !== 'task-start' || start.createBranch !== false;
  const workspace = await reopenWorkspace({ repo: task.repo, scratchDir: runtime.scratchDir, taskId });
  const { task: running } = await runtime.journal.appendAndUpdate(
    taskId,
    'task-resume',
    { steps: resume.steps, pendingCalls: resume.pendingCalls.length, from: task.status },
    { status: 'running', owner: currentTaskOwner(), resumableUntil: null, leaseUntil: leaseUntil(runtime) },
  );
  // The resume runs under the limits the task started with; any difference (tightened, or loosened
  // because the operator said so) is on the record.
  if (options.limitChanges && options.limitChanges.length > 0) {
    await runtime.journal.append(taskId, 'limits-changed', {
      changes: options.limitChanges,
      limits: runtime.taskLimits,
    });
  }
  runtime.onStart?.(running);
  // The check chosen at the start, `null` included; only a task that recorded none is resolved again.
  const recorded = recordedCheckCommand(events);
  const check = recorded === undefined ? await resolveCheckCommand(runtime.check, workspace.dir) : recorded;
  return driveTask(runtime, running, workspace, { createBranch, resume, pipeline, check });
}

/** Runs the loop in the task's workspace and records how it ended. */
async function driveTask(
  runtime: TaskRuntime,
  task: Task,
  workspace: Workspace,
  options: {
    createBranch: boolean;
    resume?: ResumeState;
    pipeline?: PipelineResume;
    check: CheckCommand | null;
    /** A new task's sources beyond its operator: the untrusted ones taint it before its first step. */
    sources?: readonly ContextSource[] | undefined;
  },
): Promise<RunTaskResult> {
  const { journal } = runtime;
  const taskId = task.id;
  let keepWorkspace = false;
  // Shared by every part of the task: its sandbox, its decider, its children.
  const taint = await openTaskTaint(runtime, task, options.sources);
  runtime = { ...runtime, taint };
  const { sandbox, connectionsJournaled } = await openTaskSandbox({
    driver: runtime.sandbox,
    journal,
    taskId,
    workspace,
    limits: runtime.sandboxLimits,
    protectedPaths: runtime.protectedPaths,
    egress: runtime.egress,
    taint,
  });
  try {
    const guard = await TaskGuard.open({
      scopes: { taskId, agent: runtime.agent.name, team: runtime.agent.team },
      ledger: runtime.ledger,
      breakers: runtime.breakers,
    });
    const done = await work(runtime, task, workspace, sandbox, guard, options);
    let { stopReason, detail } = done;
    // Nothing of the agent's runs on while its change is saved or measured; a sandbox that could not
    // end cleanly (something left at a protected path that cannot be removed) fails the task.
    const unclean = await sandbox.destroy().then(
      () => null,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    if (unclean !== null) {
      stopReason = 'error';
      detail = `the sandbox did not end cleanly: ${unclean}`;
    }

    const events = await journal.events(taskId);
    const verification = verificationOf(events);
    // Always on: without a configured scanner, the default rules with a salt of this run's own.
    const scanner = runtime.secretScanner ?? createSecretScanner();
    let branch: BranchResult | null = null;
    // Known only when the change is saved or measured: undefined when it could not be.
    let changed: boolean | undefined;
    let discarded: DiffStat | null | undefined = null;
    const paused = stopReason === 'awaiting-approval';
    // A task stopped by a limit keeps its workspace, unsaved, to go on once the limit is raised.
    const keepMs = runtime.keepStoppedMs ?? 0;
    const resumableUntil =
      !paused && !runtime.orchestrator && !runtime.swarm && RESUMABLE_STOPS.has(stopReason) && keepMs > 0
        ? new Date(Date.now() + keepMs).toISOString()
        : undefined;
    if (paused || resumableUntil) {
      keepWorkspace = true;
    } else if (done.result && stopReason === 'finished') {
      // An orchestrator's change is a chain of commits, one per subtask, made and verified already.
      const { result } = done;
      if (options.createBranch) {
        try {
          const screen = screenForSecrets({ journal, taskId, scanner, repo: task.repo, where: 'the change' });
          branch = await workspace.landBranch(taskId, result, { screen: screen.screen });
          const blocked = screen.blocked();
          if (blocked !== undefined) {
            stopReason = 'secret-found';
            detail = blocked;
          } else if (branch) {
            await journal.append(taskId, 'branch-created', { ...branch });
            changed = true;
          }
        } catch (error) {
          stopReason = 'error';
          detail = `the change could not be saved as a branch: ${describeError(error)}`;
          await journal.append(taskId, 'error', {
            source: 'branch',
            message: detail,
            code: errorCode(error),
          });
        }
      } else {
        discarded = await readDiffStat(result.gitDir, result.commit, workspace.baseCommit).catch(
          () => undefined,
        );
        changed = discarded === undefined ? undefined : true;
      }
    } else if (options.createBranch) {
      const saved = await saveResultBranch({
        journal,
        taskId,
        prompt: task.prompt,
        status: taskStatusOf(stopReason, verification, true),
        workspace,
        scanner,
        repo: task.repo,
      });
      branch = saved.branch;
      changed = branch !== null;
      if ('failure' in saved) {
        stopReason = 'error';
        detail = saved.failure;
        changed = undefined;
      } else if ('blocked' in saved) {
        stopReason = 'secret-found';
        detail = saved.blocked;
        changed = undefined;
      }
    } else {
      // `--no-branch`: the change is measured, to report what is discarded and to tell a verified change
      // from a check that passes on the base commit. A change that cannot be measured fails nothing.
      discarded = await workspace.diffStat().catch(() => undefined);
      changed = discarded === undefined ? undefined : discarded !== null;
    }
    const status = taskStatusOf(stopReason, verification, changed);
    if (status === 'unverified') detail = `${detail}; ${UNVERIFIED_DETAIL}`;
    if (status === 'already-done' && stopReason === 'finished')
      detail = `${detail}, but changed nothing: the check passes on the base commit`;
    if (resumableUntil)
      detail = `${detail}; its work is kept until ${resumableUntil}: raise the limit and \`warden resume ${taskId}\` to go on`;

    // A journal that cannot take them fails the task below, in `finally`, where the wait is repeated.
    await connectionsJournaled().catch(() => {});
    const finished = await finishTask({
      journal,
      taskId,
      stopReason,
      status,
      verification,
      detail,
      steps: done.steps,
      spent: guard.spent,
      branch: branch?.branch,
      paused,
      resumableUntil,
    });
    return {
      task: finished.task,
      branch,
      discarded: discarded ?? null,
      detail,
      dirty: workspace.dirty,
      finalText: done.finalText,
      cacheHitRatio: finished.cacheHitRatio,
      verification,
      pattern: runtime.swarm
        ? 'swarm'
        : runtime.orchestrator
          ? 'orchestrator'
          : runtime.stages
            ? 'pipeline'
            : 'single',
      children: childrenOf(events),
      check: options.check && { command: options.check.command, source: options.check.source },
    };
  } finally {
    await sandbox.destroy();
    await connectionsJournaled();
    if (!keepWorkspace) await workspace.destroy();
  }
}

/** Why a finished task without a check is not a success, for the task's detail. */
const UNVERIFIED_DETAIL =
  'no check ran, so nothing verified the change (set agent.check to the test command, or add a test script the auto-detection finds)';

/**
 * Starts making the workspace of a new task now, under a new task id, so that its git work overlaps
 * whatever the caller still has to do before `runTask` (building the task's runtime); hand it to
 * `runTask` as `request.started`.
 */
export function startWorkspace(settings: {
  /** The new task's id; default a fresh one (`newTaskId`). */
  taskId?: string | undefined;
  repo: string;
  scratchDir: string;
  mirrorsDir?: string | undefined;
  resolved?: ResolvedRepository | undefined;
  /** Start from this ref of the repository instead of its HEAD (a commit fetched for the task). */
  startAt?: string | undefined;
}): StartedWorkspace {
  const taskId = settings.taskId ?? newTaskId();
  let cloned = () => {};
  const cloning = new Promise<void>((resolve) => {
    cloned = resolve;
  });
  const workspace = createWorkspace({
    repo: settings.repo,
    scratchDir: settings.scratchDir,
    mirrorsDir: settings.mirrorsDir,
    resolved: settings.resolved,
    taskId,
    whileCloning: () => cloned(),
    from:
      settings.startAt === undefined || settings.resolved === undefined
        ? undefined
        : {
            gitDir: settings.resolved.commonDir ?? path.join(settings.resolved.root, '.git'),
            ref: settings.startAt,
          },
  });
  workspace.catch(() => {});
  return { taskId, workspace, cloning };
}

/** When a task created or resumed now by a leasing worker loses its lease unless renewed; null without. */
function leaseUntil(runtime: TaskRuntime): string | null {
  return runtime.leaseMs === undefined ? null : new Date(Date.now() + runtime.leaseMs).toISOString();
}
