import type { Delivery } from '../actions/index.ts';
import {
  currentTaskOwner,
  type RunTaskResult,
  resumeTask,
  runTask,
  startWorkspace,
  type TaskRuntime,
} from '../agent/index.ts';
import { resolveRepository } from '../sandbox/index.ts';
import type { JournalEvent, TaskTrigger } from '../spec/journal-events.ts';
import type { ContextSource } from '../spec/provenance.ts';
import type { Task } from '../spec/types.ts';
import type { TaskOutcome } from '../store/index.ts';
import { resolveAgent } from './agent-config.ts';
import { type Delivers, deliverTask, type ShadowResult } from './deliver-task.ts';
import type { ForgeContext } from './github-events.ts';
import type { Deliveries } from './result-delivery.ts';
import { createTaskRuntime, type SharedParts } from './task-runtime.ts';

/** A new task as an entry point asks for it. */
export interface TaskRequest {
  /** The repository, an absolute path. */
  repo: string;
  /** What the agent should do. */
  task: string;
  /** A model spec (`anthropic:MODEL`, `router:TIER`, …); default the config's. */
  model?: string | undefined;
  /** Tighter limits for this task than the config's. */
  maxUsd?: number | undefined;
  maxSteps?: number | undefined;
  /** The task's kind, matched against `router.routes` `kind:NAME`. */
  kind?: string | undefined;
  /** The declared agent to run (`agents.NAME`); default the one `agent:` declares. */
  agent?: string | undefined;
  /** Whether to save the change as a branch; default true. */
  createBranch?: boolean | undefined;
  /** Who asked; default `$USER`, else `local`. */
  requestedBy?: string | undefined;
  /** Whether a succeeded task's branch goes to the configured forge; default true. */
  deliver?: boolean | undefined;
  /** The task's id, when the caller made it (`newTaskId`) to name the task before it starts; default a new one. */
  taskId?: string | undefined;
  /** What started it without a person (a webhook); recorded in its journal. */
  trigger?: TaskTrigger | undefined;
  /**
   * The untrusted sources of its text (an issue body by an outside author, CI logs): each taints the
   * task from its start (`context-tainted`). Undefined: the text is the operator's.
   */
  sources?: readonly ContextSource[] | undefined;
  /** Shadow mode (deliver nothing; keep and show the would-be pull request); default the agent's `mode`. */
  shadow?: boolean | undefined;
  /**
   * Work on Warden's own checkout of this GitHub repository (`<dataDir>/checkouts/OWNER/NAME`), from
   * `ref` fetched with an installation token just before the task (a commit id, `refs/pull/N/head`, or
   * `HEAD` for the default branch); `repo` is then ignored.
   */
  fetch?: { repository: string; ref: string } | undefined;
  /** Start from this ref of the repository instead of its HEAD. */
  startAt?: string | undefined;
  /**
   * What the task needs of its GitHub repository, read just before it starts and added to its text: a
   * pull request's diff, a failed workflow run's logs.
   */
  context?: (ForgeContext & { repository: string }) | undefined;
}

/** How a paused or interrupted task is resumed. */
export interface ResumeOptions {
  /** Lower limits than those the task recorded. */
  maxUsd?: number | undefined;
  maxSteps?: number | undefined;
  /** Accept looser limits than the task started with (journaled). */
  allowLoosen?: boolean | undefined;
}

/** What an entry point is told while a task runs (the CLI's live view and warnings). */
export interface TaskHooks {
  /** The task exists, before its first model call; `model` is the label of the model it starts on. */
  onStart?: ((task: Task, model: { label: string; unpriced: boolean }) => void) | undefined;
  /** Every journal event appended while the task runs, of this task or another. */
  onEvent?: ((event: JournalEvent) => void) | undefined;
}

/** How a task ended, with its delivery to the forge. */
export interface TaskResult extends RunTaskResult {
  /** The agent the task ran as. */
  agent: string;
  /** True when the model has no known price and ran at $0 (`pricing.allowUnpriced`). */
  unpriced: boolean;
  /** How delivery went; `null` when nothing was delivered (no forge, no success, no branch, shadow mode). */
  delivery: Delivery | null;
  /** Shadow mode: the pull request it would have opened; `null` otherwise. */
  shadow: ShadowResult | null;
}

type DeliveryOf = () => Deliveries | null;

/** Runs a new task, books its outcome and delivers its result. */
export async function runTaskWith(
  parts: SharedParts,
  delivery: DeliveryOf,
  request: TaskRequest,
  hooks: TaskHooks,
  /** Told of the task once it has ended and been delivered (telemetry). */
  finished?: (task: Task) => void,
): Promise<TaskResult> {
  // Before any model or sandbox is built: a path that is not a repository's root is the user's to fix.
  const resolved = await resolveRepository(request.repo);
  // The workspace's git work starts now, alongside building the task's runtime.
  const started = startWorkspace({
    taskId: request.taskId,
    repo: resolved.root,
    scratchDir: parts.scratchDir,
    mirrorsDir: parts.mirrorsDir,
    resolved,
    startAt: request.startAt,
  });
  const { runtime, modelName, shadow, delivers } = await createTaskRuntime(parts, request).catch(
    async (error: unknown) => {
      await started.workspace.then(
        (workspace) => workspace.destroy(),
        () => {},
      );
      throw error;
    },
  );
  const result = await watched(parts, runtime, hooks, () =>
    runTask(runtime, {
      repo: resolved.root,
      resolved,
      started,
      prompt: request.task,
      modelName,
      requestedBy: request.requestedBy ?? parts.env.USER ?? 'local',
      createBranch: request.createBranch ?? true,
      trigger: request.trigger,
      sources: request.sources,
      shadow: request.shadow ?? shadow,
    }),
  );
  return await finish(
    parts,
    delivery,
    runtime,
    result,
    request.deliver === false ? null : delivers,
    finished,
  );
}

/** Resumes `task` under the limits it recorded (the current config may tighten them), then as a run. */
export async function resumeTaskWith(
  parts: SharedParts,
  delivery: DeliveryOf,
  task: Task,
  options: ResumeOptions,
  hooks: TaskHooks,
  finished?: (task: Task) => void,
): Promise<TaskResult> {
  const [start] = await parts.journal.events(task.id);
  const { runtime, limitChanges, delivers } = await createTaskRuntime(parts, {
    model: task.model,
    // The agent it ran as, when the config still declares it: a pipeline's is refused (not resumable).
    agent:
      start?.type === 'task-start' && Object.hasOwn(parts.config.agents, start.agent)
        ? start.agent
        : undefined,
    maxUsd: options.maxUsd,
    maxSteps: options.maxSteps,
    resume: {
      taskId: task.id,
      recorded: start?.type === 'task-start' ? start.limits : undefined,
      allowLoosen: Boolean(options.allowLoosen),
    },
  });
  const result = await watched(parts, runtime, hooks, () => resumeTask(runtime, task.id, { limitChanges }));
  return await finish(parts, delivery, runtime, result, delivers, finished);
}

/** Runs `work` with the hooks told of the task's start and of every journal event meanwhile. */
async function watched(
  parts: SharedParts,
  runtime: TaskRuntime,
  hooks: TaskHooks,
  work: () => Promise<RunTaskResult>,
): Promise<RunTaskResult> {
  const { onStart, onEvent } = hooks;
  if (onStart) {
    const model = { label: runtime.model.label, unpriced: runtime.model.unpriced === true };
    runtime.onStart = (task) => onStart(task, model);
  }
  const unsubscribe = onEvent ? parts.journal.subscribe(onEvent) : () => {};
  try {
    return await work();
  } finally {
    unsubscribe();
  }
}

/** Books the outcome of a finished task for `warden cost`, then delivers its branch. */
async function finish(
  parts: SharedParts,
  delivery: DeliveryOf,
  runtime: TaskRuntime,
  result: RunTaskResult,
  /** What the agent delivers; null: nothing (`deliver: false`). */
  delivers: Delivers | null,
  finished?: (task: Task) => void,
): Promise<TaskResult> {
  const { task } = result;
  // A task still waiting has no outcome yet.
  if (task.status !== 'running' && task.status !== 'awaiting_approval') {
    await parts.stores.outcomes.record({
      taskId: task.id,
      outcome: task.status as TaskOutcome,
      agent: runtime.agent.name,
      team: runtime.agent.team,
      // Only a pre-check ends a task before any model call; a check can find it already done later.
      earlyExit: (task.status === 'already-done' || task.status === 'not-actionable') && task.steps === 0,
    });
  }
  const unpriced = runtime.model.unpriced === true;
  // The forge is built for the first task that has something to deliver.
  const { delivery: delivered, shadow } =
    delivers === null ? { delivery: null, shadow: null } : await deliverTask(parts, delivery, task, delivers);
  // A fleet worker's lease lasts until the result is delivered: a worker that dies before takes it over.
  if (runtime.leaseMs !== undefined) await parts.store.renewLease(task.id, currentTaskOwner(), null);
  // Telemetry goes in the background, after delivery so its events are in the trace too.
  finished?.(task);
  return { ...result, unpriced, delivery: delivered, shadow, agent: runtime.agent.name };
}

/**
 * Delivers the result of a task that ended under a fleet worker which died before its delivery was
 * done (its lease passed after the task's end), once this worker has taken the lease over. Actions the
 * dead worker finished are replayed from their idempotency keys; one it left in flight is checked
 * against the forge before it is tried again. The lease is let go at the end.
 */
export async function finishDeliveryWith(
  parts: SharedParts,
  delivery: DeliveryOf,
  task: Task,
): Promise<void> {
  const [start] = await parts.journal.events(task.id);
  const agent =
    start?.type === 'task-start' && Object.hasOwn(parts.config.agents, start.agent) ? start.agent : undefined;
  const { config } = resolveAgent(parts.config, agent);
  await deliverTask(parts, delivery, task, config.agent.delivers);
  await parts.store.renewLease(task.id, currentTaskOwner(), null);
}
