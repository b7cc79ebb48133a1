import type { TaskLimits } from '../guard/index.ts';
import { TaskBudget } from '../guard/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ModelClient, PriceTable } from '../model/index.ts';
import { type BranchResult, createWorkspace } from '../sandbox/index.ts';
import { describeError, WardenError } from '../spec/errors.ts';
import type { PolicyDecider } from '../spec/policy.ts';
import type { ResourceLimits, SandboxDriver } from '../spec/sandbox.ts';
import type { Store } from '../spec/store.ts';
import type { StopReason, Task, TaskStatus } from '../spec/types.ts';
import { runAgentLoop } from './agent-loop.ts';
import { SYSTEM_PROMPT } from './system-prompt.ts';
import { newTaskId } from './task-id.ts';
import { BUILTIN_TOOLS } from './tools/builtin-tools.ts';
import { createWorkspaceFiles } from './tools/workspace-files.ts';

export interface RunTaskSettings {
  store: Store;
  journal: Journal;
  sandbox: SandboxDriver;
  decider: PolicyDecider;
  model: ModelClient;
  /** The model as the user named it, recorded on the task. */
  modelName: string;
  priceTable: PriceTable;
  repo: string;
  prompt: string;
  /** Where workspaces are created; each task gets its own directory, removed at the end. */
  scratchDir: string;
  /** `false` leaves the user's repository without a result branch (`--no-branch`). */
  createBranch: boolean;
  requestedBy: string;
  limits: TaskLimits;
  commandTimeoutMs: number;
  maxCommandTimeoutMs: number;
  maxOutputBytes: number;
  /** Resource limits per command; missing fields take the driver's defaults. */
  sandboxLimits?: Partial<ResourceLimits>;
  /** Workspace paths the agent may not change; default `DEFAULT_PROTECTED_PATHS`. */
  protectedPaths?: readonly string[];
  maxOutputTokens: number;
  toolOutputChars: number;
  /** Called with the task id as soon as the task exists (before the first model call). */
  onStart?: (task: Task) => void;
}

export interface RunTaskResult {
  task: Task;
  branch: BranchResult | null;
  /** A sentence on why the task ended. */
  detail: string;
  /** The user's tree had uncommitted changes, which the task did not see. */
  dirty: boolean;
  finalText: string;
}

const STATUS_OF: Record<StopReason, TaskStatus> = {
  finished: 'succeeded',
  'max-steps': 'stopped',
  'wall-time': 'stopped',
  budget: 'stopped',
  'budget-daily': 'stopped',
  breaker: 'stopped',
  stuck: 'stopped',
  'awaiting-approval': 'awaiting_approval',
  'model-error': 'failed',
  error: 'failed',
};

/**
 * Takes one task from a prompt to a branch: a private workspace cloned from the repository's HEAD, the
 * agent loop inside the sandbox, then the change committed as `warden/<task-id>` in the user's
 * repository. The user's checkout is never touched. The workspace is removed whatever happens.
 *
 * @throws UserError when the repository is unusable (nothing is recorded then: no task was started).
 */
export async function runTask(settings: RunTaskSettings): Promise<RunTaskResult> {
  const { store, journal } = settings;
  await settings.sandbox.check();
  const taskId = newTaskId();
  const workspace = await createWorkspace({ repo: settings.repo, scratchDir: settings.scratchDir, taskId });
  const sandbox = await settings.sandbox
    .create({
      workspaceDir: workspace.dir,
      limits: settings.sandboxLimits,
      protectedPaths: settings.protectedPaths,
    })
    .catch(async (error: unknown) => {
      await workspace.destroy();
      throw error;
    });
  try {
    let task = await store.createTask({
      id: taskId,
      prompt: settings.prompt,
      repo: settings.repo,
      baseCommit: workspace.baseCommit,
      model: settings.modelName,
      requestedBy: settings.requestedBy,
      createdAt: new Date().toISOString(),
    });
    settings.onStart?.(task);
    await journal.append(taskId, 'task-start', {
      prompt: settings.prompt,
      repo: settings.repo,
      baseCommit: workspace.baseCommit,
      model: settings.model.label,
      requestedBy: settings.requestedBy,
      limits: settings.limits,
    });
    await journal.append(taskId, 'workspace-ready', {
      baseCommit: workspace.baseCommit,
      dirty: workspace.dirty,
      sandbox: settings.sandbox.name,
      note: workspace.dirty
        ? 'the repository had uncommitted changes; the task works from HEAD without them'
        : undefined,
    });

    const budget = new TaskBudget(settings.limits);
    let stopReason: StopReason;
    let detail: string;
    let steps = 0;
    let finalText = '';
    try {
      const outcome = await runAgentLoop({
        taskId,
        system: SYSTEM_PROMPT,
        prompt: settings.prompt,
        model: settings.model,
        priceTable: settings.priceTable,
        tools: BUILTIN_TOOLS,
        toolContext: {
          files: createWorkspaceFiles(workspace.dir, settings.protectedPaths),
          exec: (command, options) =>
            sandbox.exec(command, {
              timeoutMs: options.timeoutMs,
              maxOutputBytes: settings.maxOutputBytes,
            }),
          commandTimeoutMs: settings.commandTimeoutMs,
          maxCommandTimeoutMs: settings.maxCommandTimeoutMs,
        },
        decider: settings.decider,
        journal,
        budget,
        limits: settings.limits,
        maxOutputTokens: settings.maxOutputTokens,
        toolOutputChars: settings.toolOutputChars,
      });
      ({ stopReason, detail, steps, finalText } = outcome);
    } catch (error) {
      stopReason = 'error';
      detail = describeError(error);
      await journal.append(taskId, 'error', { source: 'agent', message: detail, code: codeOf(error) });
    }

    let branch: BranchResult | null = null;
    if (settings.createBranch) {
      try {
        branch = await workspace.createBranch(
          taskId,
          commitMessage(taskId, settings.prompt, STATUS_OF[stopReason]),
        );
        if (branch) await journal.append(taskId, 'branch-created', { ...branch });
      } catch (error) {
        stopReason = 'error';
        detail = `the change could not be saved as a branch: ${describeError(error)}`;
        await journal.append(taskId, 'error', { source: 'branch', message: detail, code: codeOf(error) });
      }
    }

    const status = STATUS_OF[stopReason];
    await journal.append(taskId, 'task-end', {
      status,
      stopReason,
      detail,
      steps,
      costUsd: budget.spentUsd,
      tokens: budget.spentTokens,
      branch: branch?.branch,
    });
    task = await store.updateTask(taskId, {
      status,
      stopReason,
      steps,
      costUsd: budget.spentUsd,
      branch: branch?.branch ?? null,
      endedAt: new Date().toISOString(),
    });
    return { task, branch, detail, dirty: workspace.dirty, finalText };
  } finally {
    await sandbox.destroy();
    await workspace.destroy();
  }
}

function commitMessage(taskId: string, prompt: string, status: TaskStatus): string {
  const firstLine = prompt.split('\n')[0]!.trim();
  const subject = firstLine.length > 60 ? `${firstLine.slice(0, 57)}...` : firstLine;
  return [
    `warden: ${subject}`,
    '',
    `Change made by a Warden agent (task ${status}).`,
    '',
    `Warden-Task: ${taskId}`,
    `Warden-Trace: warden trace ${taskId}`,
  ].join('\n');
}

function codeOf(error: unknown): string {
  return error instanceof WardenError ? error.code : 'unknown';
}
