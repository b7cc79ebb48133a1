import type { TaskGuard } from '../guard/index.ts';
import { createWorkspace, type ResolvedRepository, type Workspace } from '../sandbox/index.ts';
import { describeError } from '../spec/errors.ts';
import type { PlannedSubtask } from '../spec/journal-events.ts';
import { taskTrailers } from '../spec/task-trailers.ts';
import type { StopReason, Task } from '../spec/types.ts';
import { errorCode } from './internal/error-code.ts';
import { openTaskSandbox } from './internal/open-task-sandbox.ts';
import { loopRunner } from './loop-runner.ts';
import type { TaskRuntime } from './task-runtime.ts';

/** Where a subtask's workspace starts: a ref of a git directory Warden made, and the commit it names. */
export interface SubtaskStart {
  gitDir: string;
  ref: string;
  commit: string;
}

/** How a subtask ended; its workspace is the caller's to remove (its objects back the change). */
export interface SubtaskOutcome {
  subtask: PlannedSubtask;
  passed: boolean;
  stopReason: StopReason;
  detail: string;
  steps: number;
  finalText: string;
  /** The commit holding its change, on `start.commit`, in `gitDir`; undefined when none. */
  change?: { gitDir: string; commit: string } | undefined;
  workspace?: Workspace | undefined;
}

export interface SubtaskSettings {
  runtime: TaskRuntime & { orchestrator: NonNullable<TaskRuntime['orchestrator']> };
  task: Task;
  guard: TaskGuard;
  subtask: PlannedSubtask;
  /** Its place in the plan, from 1: its workspace is `<scratchDir>/<taskId>_<position>`. */
  position: number;
  start: SubtaskStart;
  /** The user's repository, resolved once for every subtask. */
  resolved: ResolvedRepository;
  /** The whole plan and what the subtasks it depends on said, for its prompt. */
  plan: readonly PlannedSubtask[];
  handoffs: readonly string[];
  /** Seconds of the task's wall time left. */
  maxWallSeconds: () => number;
}

/**
 * One subtask: a worker loop in a workspace of its own made from `start`, in a sandbox of its own,
 * writing the task's journal as `subtask:ID`, charged to the task's guard (so the whole tree stays within
 * the task's budget), with the subtask's check as its check. It passes only when the worker finished
 * and the check passed; its change is then committed (not landed). Never throws: a failure is an outcome.
 */
export async function runSubtask(settings: SubtaskSettings): Promise<SubtaskOutcome> {
  const { runtime, task, subtask, guard } = settings;
  const journal = runtime.journal.forChild(`subtask:${subtask.id}`);
  let workspace: Workspace | undefined;
  const failed = (stopReason: StopReason, detail: string, steps = 0, finalText = ''): SubtaskOutcome => ({
    subtask,
    passed: false,
    stopReason,
    detail,
    steps,
    finalText,
    workspace,
  });
  try {
    const { model, higherTiers } = await runtime.orchestrator.worker.models(subtask.id);
    workspace = await createWorkspace({
      repo: task.repo,
      scratchDir: runtime.scratchDir,
      taskId: `${task.id}_${settings.position}`,
      from: settings.start,
      resolved: settings.resolved,
    });
    await workspace.ready;
    await journal.append(task.id, 'subtask-start', {
      subtask: subtask.id,
      goal: subtask.goal,
      check: subtask.check,
      dependsOn: subtask.dependsOn ?? [],
      startCommit: workspace.baseCommit,
      model: model.label,
    });
    const { sandbox, connectionsJournaled } = await openTaskSandbox({
      driver: runtime.sandbox,
      journal,
      taskId: task.id,
      workspace,
      limits: runtime.sandboxLimits,
      protectedPaths: runtime.protectedPaths,
      egress: runtime.egress,
    });
    let ended: Awaited<ReturnType<ReturnType<typeof loopRunner>>>;
    try {
      const loop = loopRunner(runtime, task, guard, {
        workspaceDir: workspace.dir,
        execute: (command, timeoutMs, fresh = false) =>
          sandbox.exec(command, { timeoutMs, maxOutputBytes: runtime.maxOutputBytes, fresh }),
        journal,
        // Nobody is asked mid-subtask: an action that needs a human is refused.
        approvals: null,
      });
      const { worker } = runtime.orchestrator;
      ended = await loop({
        prompt: subtaskPrompt(settings),
        model,
        higherTiers,
        check: { command: subtask.check, source: `subtask ${subtask.id}` },
        tools: worker.tools ?? runtime.tools,
        maxSteps: Math.min(runtime.limits.maxSteps, worker.maxSteps ?? Number.POSITIVE_INFINITY),
        maxWallSeconds: settings.maxWallSeconds(),
      });
    } finally {
      await sandbox.destroy().catch(() => {});
      await connectionsJournaled().catch(() => {});
    }
    const outcome: SubtaskOutcome =
      ended.stopReason === 'finished'
        ? {
            subtask,
            passed: true,
            stopReason: 'finished',
            detail: ended.detail,
            steps: ended.steps,
            finalText: ended.finalText,
            workspace,
          }
        : failed(ended.stopReason, ended.detail, ended.steps, ended.finalText);
    if (outcome.passed) {
      const made = await workspace.commit(
        `${subtask.id}: ${firstLine(subtask.goal)}\n\n${taskTrailers(task.id)}`,
      );
      if (made.commit !== null) outcome.change = { gitDir: made.gitDir, commit: made.commit };
    }
    await journal.append(task.id, 'subtask-end', {
      subtask: subtask.id,
      status: outcome.passed ? 'passed' : 'failed',
      stopReason: outcome.stopReason,
      steps: outcome.steps,
      detail: outcome.detail,
      commit: outcome.change?.commit,
    });
    return outcome;
  } catch (error) {
    const detail = describeError(error);
    await journal
      .append(task.id, 'error', { source: 'agent', message: detail, code: errorCode(error) })
      .catch(() => {});
    await journal
      .append(task.id, 'subtask-end', {
        subtask: subtask.id,
        status: 'failed',
        stopReason: 'error',
        steps: 0,
        detail,
      })
      .catch(() => {});
    return failed('error', detail);
  }
}

function firstLine(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/** What a worker is told: the task for context, its own subtask, and what its dependencies did. */
function subtaskPrompt(settings: SubtaskSettings): string {
  const { subtask, plan, runtime } = settings;
  const parts = [
    `You are a worker on one subtask of a larger task. The task, for context:\n${settings.task.prompt}`,
    `The plan's subtasks: ${plan.map((step) => step.id).join(', ')}. Other workers carry out the others; change only what your subtask needs.`,
    `Your subtask (${subtask.id}):\n${subtask.goal}`,
    `It is done when \`${subtask.check}\` exits 0; that check runs when you finish.`,
  ];
  if (settings.handoffs.length > 0) {
    parts.push(
      `The subtasks yours depends on are done; their changes are in your workspace:\n\n${settings.handoffs.join('\n\n')}`,
    );
  }
  if (runtime.orchestrator.worker.prompt) parts.push(runtime.orchestrator.worker.prompt);
  return parts.join('\n\n');
}
