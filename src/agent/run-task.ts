import type { CircuitBreakers, SpendLedger } from '../guard/index.ts';
import { cacheHitRatio, TaskGuard } from '../guard/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ModelClient, PricedUsage, PriceTable } from '../model/index.ts';
import { type BranchResult, createWorkspace, reopenWorkspace, type Workspace } from '../sandbox/index.ts';
import { describeError, UserError, WardenError } from '../spec/errors.ts';
import type { PolicyDecider } from '../spec/policy.ts';
import type { ResourceLimits, Sandbox, SandboxDriver, SandboxEgress } from '../spec/sandbox.ts';
import type { Store } from '../spec/store.ts';
import type { StopReason, Task, TaskStatus } from '../spec/types.ts';
import { type LoopLimits, runAgentLoop, type TaskCheck } from './agent-loop.ts';
import type { ApprovalGate } from './approval-gate.ts';
import { type PreCheck, runPreChecks } from './pre-checks.ts';
import { recordInterruptedCalls } from './record-interrupted-calls.ts';
import { type ResumeState, replayJournal } from './replay-journal.ts';
import { SYSTEM_PROMPT } from './system-prompt.ts';
import { newTaskId } from './task-id.ts';
import type { LimitChange, TaskLimits } from './task-limits.ts';
import { currentTaskOwner } from './task-owner.ts';
import { BUILTIN_TOOLS } from './tools/builtin-tools.ts';
import { createWorkspaceFiles } from './tools/workspace-files.ts';
import { truncateText } from './truncate-text.ts';

/** Everything a task runs with, built once at the edge. */
export interface TaskRuntime {
  store: Store;
  journal: Journal;
  sandbox: SandboxDriver;
  /** The policy decider for a task whose workspace is at `workspaceDir` (paths are judged there). */
  createDecider: (workspaceDir: string) => PolicyDecider;
  /** Files and answers approval requests; without one, `ask` is refused as if denied. */
  approvals?: ApprovalGate | undefined;
  ledger: SpendLedger;
  breakers?: CircuitBreakers | undefined;
  /** The agent and team every call is charged to. */
  agent: { name: string; team: string };
  model: ModelClient;
  priceTable: PriceTable;
  /** Price key of the top-tier model the cost report compares against. */
  counterfactualKey: string;
  /** Where workspaces are created; each task gets its own directory, removed when the task ends. */
  scratchDir: string;
  /** Everything that bounds the task, recorded at its start; the fields below are derived from it. */
  taskLimits: TaskLimits;
  limits: LoopLimits;
  commandTimeoutMs: number;
  maxCommandTimeoutMs: number;
  maxOutputBytes: number;
  /** Resource limits per command; missing fields take the driver's defaults. */
  sandboxLimits?: Partial<ResourceLimits>;
  /** Workspace paths the agent may not change; default `DEFAULT_PROTECTED_PATHS`. */
  protectedPaths?: readonly string[];
  /** What the sandbox may reach through the egress proxy; each connection is journaled. Default: nothing. */
  egress?: Omit<SandboxEgress, 'onConnection'> | undefined;
  maxOutputTokens: number;
  toolOutputChars: number;
  /** Called with the task as soon as it exists (before the first model call). */
  onStart?: (task: Task) => void;
  /**
   * A command run in the sandbox when the model says it is finished (`npm test`); exit 0 passes. A failure
   * escalates to `higherTiers` one at a time, then fails the task. Undefined: the model's word ends it.
   */
  check?: string | null | undefined;
  /** The models of the tiers above `model`, cheapest first (the cascade). Default: none. */
  higherTiers?: readonly ModelClient[];
  /** Cheap deterministic checks run before the first model call; the first that matches ends the task. */
  preChecks?: readonly PreCheck[];
}

export interface NewTaskRequest {
  repo: string;
  prompt: string;
  /** The model as the user named it, recorded on the task. */
  modelName: string;
  requestedBy: string;
  /** `false` leaves the user's repository without a result branch (`--no-branch`). */
  createBranch: boolean;
}

export interface RunTaskResult {
  task: Task;
  branch: BranchResult | null;
  /** A sentence on why the task ended (or paused). */
  detail: string;
  /** The user's tree had uncommitted changes, which the task did not see. */
  dirty: boolean;
  finalText: string;
  /** Input tokens the task's model calls read from a prompt cache, over all their input; `null` without calls. */
  cacheHitRatio: number | null;
}

const STATUS_OF: Record<StopReason, TaskStatus> = {
  finished: 'succeeded',
  'max-steps': 'stopped',
  'wall-time': 'stopped',
  budget: 'stopped',
  'budget-daily': 'stopped',
  breaker: 'stopped',
  stuck: 'stopped',
  'check-failed': 'failed',
  'already-done': 'already-done',
  'not-actionable': 'not-actionable',
  'awaiting-approval': 'awaiting_approval',
  'model-error': 'failed',
  error: 'failed',
};

/**
 * Takes one task from a prompt to a branch: a private workspace cloned from the repository's HEAD, the
 * agent loop inside the sandbox, then the change committed as `warden/<task-id>` in the user's
 * repository. The user's checkout is never touched. A task that waits for an approval keeps its
 * workspace for `resumeTask`; any other end removes it.
 *
 * @throws UserError when the repository is unusable (nothing is recorded then: no task was started).
 */
export async function runTask(runtime: TaskRuntime, request: NewTaskRequest): Promise<RunTaskResult> {
  await runtime.sandbox.check();
  const taskId = newTaskId();
  const workspace = await createWorkspace({ repo: request.repo, scratchDir: runtime.scratchDir, taskId });
  let task: Task;
  try {
    task = await runtime.store.createTask({
      id: taskId,
      prompt: request.prompt,
      repo: request.repo,
      baseCommit: workspace.baseCommit,
      model: request.modelName,
      requestedBy: request.requestedBy,
      createdAt: new Date().toISOString(),
      owner: currentTaskOwner(),
    });
    await runtime.journal.append(taskId, 'task-start', {
      prompt: request.prompt,
      repo: request.repo,
      baseCommit: workspace.baseCommit,
      model: runtime.model.label,
      requestedBy: request.requestedBy,
      agent: runtime.agent.name,
      team: runtime.agent.team,
      createBranch: request.createBranch,
      limits: runtime.taskLimits,
    });
    await runtime.journal.append(taskId, 'workspace-ready', {
      baseCommit: workspace.baseCommit,
      dirty: workspace.dirty,
      sandbox: runtime.sandbox.name,
      toolchain: await runtime.sandbox.describeToolchain?.(),
      note: workspace.dirty
        ? 'the repository had uncommitted changes; the task works from HEAD without them'
        : undefined,
    });
  } catch (error) {
    await workspace.destroy();
    throw error;
  }
  runtime.onStart?.(task);
  return driveTask(runtime, task, workspace, { createBranch: request.createBranch });
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
  const task = await runtime.store.getTask(taskId);
  if (!task)
    throw new UserError('task-not-found', `no task ${taskId}`, { hint: 'list tasks with `warden tasks`' });
  if (task.status !== 'awaiting_approval' && task.status !== 'interrupted') {
    throw new UserError(
      'task-not-resumable',
      `task ${taskId} is ${task.status}; only a task awaiting approval resumes, or an interrupted one`,
    );
  }
  if (task.status === 'interrupted' && task.resumableUntil === null) {
    throw new UserError('task-not-resumable', `task ${taskId} was interrupted and its workspace is gone`, {
      hint: 'start it again with `warden run`',
    });
  }
  await runtime.sandbox.check();
  if (task.status === 'interrupted') await recordInterruptedCalls(runtime.journal, taskId);
  const events = await runtime.journal.events(taskId);
  const resume = replayJournal(events);
  const createBranch = events[0]?.createBranch !== false;
  const workspace = await reopenWorkspace({ repo: task.repo, scratchDir: runtime.scratchDir, taskId });
  const { task: running } = await runtime.journal.appendAndUpdate(
    taskId,
    'task-resume',
    { steps: resume.steps, pendingCalls: resume.pendingCalls.length, from: task.status },
    { status: 'running', owner: currentTaskOwner(), resumableUntil: null },
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
  return driveTask(runtime, running, workspace, { createBranch, resume });
}

/** Runs the loop in the task's workspace and records how it ended. */
async function driveTask(
  runtime: TaskRuntime,
  task: Task,
  workspace: Workspace,
  options: { createBranch: boolean; resume?: ResumeState },
): Promise<RunTaskResult> {
  const { journal } = runtime;
  const taskId = task.id;
  let keepWorkspace = false;
  // Connections are reported when they end; their journal entries are chained so none is lost or reordered.
  let connections = Promise.resolve();
  const sandbox = await runtime.sandbox
    .create({
      workspaceDir: workspace.dir,
      limits: runtime.sandboxLimits,
      protectedPaths: runtime.protectedPaths,
      egress: runtime.egress && {
        ...runtime.egress,
        onConnection: (connection) => {
          connections = connections
            .then(() => journal.append(taskId, 'net-connect', { ...connection }))
            .then(() => undefined);
        },
      },
    })
    .catch(async (error: unknown) => {
      await workspace.destroy();
      throw error;
    });
  try {
    const guard = new TaskGuard({
      scopes: { taskId, agent: runtime.agent.name, team: runtime.agent.team },
      ledger: runtime.ledger,
      breakers: runtime.breakers,
    });
    let steps = options.resume?.steps ?? 0;
    let finalText = options.resume?.finalText ?? '';
    const execute = (command: string, timeoutMs: number) =>
      sandbox.exec(command, { timeoutMs, maxOutputBytes: runtime.maxOutputBytes });
    let { stopReason, detail }: { stopReason: StopReason; detail: string } = {
      stopReason: 'error',
      detail: '',
    };
    try {
      // Pre-checks run once, before the first model call; a resumed task is past them.
      const early = options.resume
        ? undefined
        : await runPreChecks(
            runtime.preChecks ?? [],
            (command) => execute(command, runtime.commandTimeoutMs),
            (fields) => journal.append(taskId, 'pre-check', fields),
          );
      const outcome =
        early ??
        (await runAgentLoop({
          taskId,
          system: SYSTEM_PROMPT,
          prompt: task.prompt,
          resume: options.resume,
          model: runtime.model,
          priceTable: runtime.priceTable,
          counterfactualKey: runtime.counterfactualKey,
          check: checkOf(runtime, (command) => execute(command, runtime.maxCommandTimeoutMs)),
          tools: BUILTIN_TOOLS,
          toolContext: {
            files: createWorkspaceFiles(workspace.dir, runtime.protectedPaths),
            exec: (command, execOptions) => execute(command, execOptions.timeoutMs),
            commandTimeoutMs: runtime.commandTimeoutMs,
            maxCommandTimeoutMs: runtime.maxCommandTimeoutMs,
          },
          decider: runtime.createDecider(workspace.dir),
          approvals: runtime.approvals,
          journal,
          guard,
          limits: runtime.limits,
          maxOutputTokens: runtime.maxOutputTokens,
          toolOutputChars: runtime.toolOutputChars,
        }));
      stopReason = outcome.stopReason;
      detail = outcome.detail;
      if ('steps' in outcome) ({ steps, finalText } = outcome);
    } catch (error) {
      stopReason = 'error';
      detail = describeError(error);
      await journal.append(taskId, 'error', { source: 'agent', message: detail, code: codeOf(error) });
    }

    let branch: BranchResult | null = null;
    if (stopReason === 'awaiting-approval') {
      keepWorkspace = true;
    } else if (options.createBranch) {
      try {
        branch = await workspace.createBranch(
          taskId,
          commitMessage(taskId, task.prompt, STATUS_OF[stopReason]),
        );
        if (branch) await journal.append(taskId, 'branch-created', { ...branch });
      } catch (error) {
        stopReason = 'error';
        detail = `the change could not be saved as a branch: ${describeError(error)}`;
        await journal.append(taskId, 'error', { source: 'branch', message: detail, code: codeOf(error) });
      }
    }

    // A journal that cannot take them fails the task below, in `finally`, where the wait is repeated.
    await connections.catch(() => {});
    const status = STATUS_OF[stopReason];
    const spent = guard.spent;
    // Every model call of the task, those before a pause included.
    const calls = (await journal.events(taskId)).filter((event) => event.type === 'model-response');
    const cacheHit = cacheHitRatio(calls.map((event) => event.usage as PricedUsage));
    // One transaction: the row's status, steps and cost are those of the event that ends the chain.
    const { task: updated } = await journal.appendAndUpdate(
      taskId,
      keepWorkspace ? 'task-pause' : 'task-end',
      {
        status,
        stopReason,
        detail,
        steps,
        costUsd: spent.usd,
        tokens: spent.tokens,
        cacheHitRatio: cacheHit,
        branch: branch?.branch,
      },
      {
        status,
        stopReason,
        steps,
        costUsd: spent.usd,
        branch: branch?.branch ?? null,
        endedAt: keepWorkspace ? null : new Date().toISOString(),
      },
    );
    return { task: updated, branch, detail, dirty: workspace.dirty, finalText, cacheHitRatio: cacheHit };
  } finally {
    await sandbox.destroy();
    await connections;
    if (!keepWorkspace) await workspace.destroy();
  }
}

/** The task's check, run in its sandbox, with the cascade's higher tiers; undefined without a check. */
function checkOf(
  runtime: TaskRuntime,
  execute: (command: string) => ReturnType<Sandbox['exec']>,
): TaskCheck | undefined {
  const command = runtime.check;
  if (!command) return undefined;
  return {
    name: command,
    higher: runtime.higherTiers ?? [],
    async run() {
      const result = await execute(command);
      const passed = result.exitCode === 0 && !result.timedOut;
      const summary = result.timedOut ? 'timed out' : `exit ${result.exitCode}`;
      const output = truncateText(`${result.stdout}\n${result.stderr}`.trim(), runtime.toolOutputChars).text;
      return { passed, summary, output };
    },
  };
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
