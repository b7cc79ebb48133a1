import type { TaskGuard } from '../guard/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ModelClient } from '../model/index.ts';
import { createWorkspace, type ResolvedRepository, type Workspace } from '../sandbox/index.ts';
import { describeError } from '../spec/errors.ts';
import type { PolicyDecider } from '../spec/policy.ts';
import type { StopReason, Task } from '../spec/types.ts';
import { errorCode } from './internal/error-code.ts';
import { openTaskSandbox } from './internal/open-task-sandbox.ts';
import { loopRunner } from './loop-runner.ts';
import type { TaskRuntime } from './task-runtime.ts';
import type { AnyToolDefinition } from './tools/tool.ts';

/** Where a child's workspace starts: a ref of a git directory Warden made, and the commit it names. */
export interface ChildStart {
  gitDir: string;
  ref: string;
  commit: string;
}

/** One child of a task that works in a workspace of its own: an orchestrator's subtask, a swarm's role. */
export interface ChildSpec {
  /** `subtask:ID`, `role:NAME`: what its journal events carry as `child`. */
  child: string;
  /** Its workspace is `<scratchDir>/<taskId>_<slot>`. */
  slot: string;
  prompt: string;
  /** Its own check; `null`: none, its loop's word ends it. */
  check: string | null;
  models: () => Promise<{ model: ModelClient; higherTiers: readonly ModelClient[] }>;
  /** Built-in tool names; undefined: the agent's. */
  tools: readonly string[] | undefined;
  /** Its own most model calls; undefined: the task's (which bounds it either way). */
  maxSteps: number | undefined;
  /** Tools besides the built-in ones (a swarm's scratchpad and claim). */
  extraTools?: readonly AnyToolDefinition[] | undefined;
  /** Wraps the agent's policy decider for its calls (a swarm's claims). */
  decider?: ((agent: PolicyDecider) => PolicyDecider) | undefined;
  /** Aborted: its loop stops before its next model call, as the reason says. */
  signal?: AbortSignal | undefined;
  /** Journals its start, once its workspace is ready (`subtask-start`, `role-start`). */
  started: (journal: Journal, workspace: Workspace, model: ModelClient) => Promise<unknown>;
  /** Journals its end (`subtask-end`, `role-end`). */
  ended: (journal: Journal, outcome: ChildOutcome) => Promise<unknown>;
}

/** How a child ended; its workspace is the caller's to remove (its objects back the change). */
export interface ChildOutcome {
  passed: boolean;
  stopReason: StopReason;
  detail: string;
  steps: number;
  finalText: string;
  /** The commit holding its change, on its start commit, in `gitDir`; undefined when none. */
  change?: { gitDir: string; commit: string } | undefined;
  workspace?: Workspace | undefined;
}

export interface ChildSettings {
  runtime: TaskRuntime;
  task: Task;
  guard: TaskGuard;
  spec: ChildSpec;
  start: ChildStart;
  /** The user's repository, resolved once for every child. */
  resolved: ResolvedRepository;
  /** The message of its commit. */
  message: string;
  /** Seconds of the task's wall time left. */
  maxWallSeconds: () => number;
}

/**
 * One child: a loop in a workspace of its own made from `start`, in a sandbox of its own, writing the
 * task's journal as `child`, charged to the task's guard (so the whole tree stays within the task's
 * budget), with its own check. It passes only when its loop finished (and its check, if any, passed);
 * its change is then committed (not landed). Never throws: a failure is an outcome.
 */
export async function runChild(settings: ChildSettings): Promise<ChildOutcome> {
  const { runtime, task, spec, guard } = settings;
  const journal = runtime.journal.forChild(spec.child);
  let workspace: Workspace | undefined;
  const failed = (stopReason: StopReason, detail: string, steps = 0, finalText = ''): ChildOutcome => ({
    passed: false,
    stopReason,
    detail,
    steps,
    finalText,
    workspace,
  });
  try {
    const { model, higherTiers } = await spec.models();
    workspace = await createWorkspace({
      repo: task.repo,
      scratchDir: runtime.scratchDir,
      taskId: `${task.id}_${spec.slot}`,
      from: settings.start,
      resolved: settings.resolved,
    });
    await workspace.ready;
    await spec.started(journal, workspace, model);
    const { sandbox, connectionsJournaled } = await openTaskSandbox({
      driver: runtime.sandbox,
      journal,
      taskId: task.id,
      workspace,
      limits: runtime.sandboxLimits,
      protectedPaths: runtime.protectedPaths,
      egress: runtime.egress,
      taint: runtime.taint,
    });
    let ended: Awaited<ReturnType<ReturnType<typeof loopRunner>>>;
    try {
      const loop = loopRunner(runtime, task, guard, {
        workspaceDir: workspace.dir,
        execute: (command, timeoutMs, fresh = false) =>
          sandbox.exec(command, { timeoutMs, maxOutputBytes: runtime.maxOutputBytes, fresh }),
        journal,
        // Nobody is asked mid-tree: an action that needs a human is refused.
        approvals: null,
      });
      ended = await loop({
        prompt: spec.prompt,
        model,
        higherTiers,
        check: spec.check === null ? null : { command: spec.check, source: spec.child },
        tools: spec.tools ?? runtime.tools,
        maxSteps: Math.min(runtime.limits.maxSteps, spec.maxSteps ?? Number.POSITIVE_INFINITY),
        maxWallSeconds: settings.maxWallSeconds(),
        extraTools: spec.extraTools,
        decider: spec.decider,
        signal: spec.signal,
      });
    } finally {
      await sandbox.destroy().catch(() => {});
      await connectionsJournaled().catch(() => {});
    }
    const outcome: ChildOutcome =
      ended.stopReason === 'finished'
        ? {
            passed: true,
            stopReason: 'finished',
            detail: ended.detail,
            steps: ended.steps,
            finalText: ended.finalText,
            workspace,
          }
        : failed(ended.stopReason, ended.detail, ended.steps, ended.finalText);
    if (outcome.passed) {
      const made = await workspace.commit(settings.message);
      if (made.commit !== null) outcome.change = { gitDir: made.gitDir, commit: made.commit };
    }
    await spec.ended(journal, outcome);
    return outcome;
  } catch (error) {
    const detail = describeError(error);
    await journal
      .append(task.id, 'error', { source: 'agent', message: detail, code: errorCode(error) })
      .catch(() => {});
    const outcome = failed('error', detail);
    await spec.ended(journal, outcome).catch(() => {});
    return outcome;
  }
}

/** What a child's end event records of its outcome (`subtask-end`, `role-end`). */
export function childEndFields(outcome: ChildOutcome) {
  return {
    status: outcome.passed ? ('passed' as const) : ('failed' as const),
    stopReason: outcome.stopReason,
    steps: outcome.steps,
    detail: outcome.detail,
    commit: outcome.change?.commit,
  };
}
