import { cacheHitRatio } from '../../guard/index.ts';
import type { Journal } from '../../journal/index.ts';
import type { StopReason, Task, TaskStatus, Verification } from '../../spec/types.ts';

export interface FinishSettings {
  journal: Journal;
  taskId: string;
  stopReason: StopReason;
  /** The status it ends with (`taskStatusOf`: the stop reason weighed with the verification). */
  status: TaskStatus;
  /** How its work was verified (`verificationOf`). */
  verification: Verification;
  /** A sentence on why the task ended (or paused). */
  detail: string;
  /** Model calls made, those before a pause included. */
  steps: number;
  /** What the task has spent, those before a pause included. */
  spent: { usd: number; tokens: number };
  /** The result branch's name; undefined: none. */
  branch: string | undefined;
  /** The task waits (for an approval) instead of ending: `task-pause`, and no end time. */
  paused: boolean;
  /** Until when its kept workspace lets a stopped task be resumed (ISO time); undefined: not resumable. */
  resumableUntil?: string | undefined;
}

/**
 * Finishing: records how the task ended (`task-end`) or paused (`task-pause`) and updates its row in
 * the same transaction, so the row's status, steps and cost are those of the event that ends the chain.
 * Returns the updated task and its prompt-cache hit ratio over every model call of the task.
 */
export async function finishTask(
  settings: FinishSettings,
): Promise<{ task: Task; cacheHitRatio: number | null }> {
  const { journal, taskId, stopReason, steps, spent } = settings;
  const { status } = settings;
  // Every model call of the task, those before a pause included.
  const usages = (await journal.events(taskId)).flatMap((event) =>
    event.type === 'model-response' ? [event.usage] : [],
  );
  const cacheHit = cacheHitRatio(usages);
  const { task } = await journal.appendAndUpdate(
    taskId,
    settings.paused ? 'task-pause' : 'task-end',
    {
      status,
      stopReason,
      detail: settings.detail,
      steps,
      costUsd: spent.usd,
      tokens: spent.tokens,
      cacheHitRatio: cacheHit,
      verification: settings.verification,
      branch: settings.branch,
      resumableUntil: settings.resumableUntil,
    },
    {
      status,
      stopReason,
      steps,
      costUsd: spent.usd,
      branch: settings.branch ?? null,
      endedAt: settings.paused ? null : new Date().toISOString(),
      resumableUntil: settings.resumableUntil ?? null,
    },
  );
  return { task, cacheHitRatio: cacheHit };
}
