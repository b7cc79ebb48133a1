import type { UserModelMessage } from 'ai';
import type { Journal } from '../journal/index.ts';
import type { ModelClient } from '../model/index.ts';
import { checkFailedMessage } from './check-failed-message.ts';
import type { CheckFailure } from './check-step.ts';
import type { LoopStop } from './loop-stop.ts';

/** Where the escalation is journaled. */
export interface EscalationSettings {
  taskId: string;
  journal: Journal;
  /** The model call whose work failed the check. */
  step: number;
}

/** The task moved up a tier (the model to call now, and what to tell it), or there was none left. */
export type EscalationOutcome =
  | { kind: 'escalated'; model: ModelClient; escalations: number; message: UserModelMessage }
  | ({ kind: 'stopped' } & LoopStop);

/**
 * The escalation (the cascade): after a failed check, the task continues on the next tier above the one
 * it is on, told why; the move is journaled as a `route-decision` of kind `escalate`, which is how a
 * resumed task knows its tier. With no tier left, the task ends `check-failed`.
 *
 * @param higher The tiers above the starting one, cheapest first.
 * @param escalations How many tiers the task has moved up so far.
 */
export async function escalate(
  settings: EscalationSettings,
  higher: readonly ModelClient[],
  escalations: number,
  failure: CheckFailure,
): Promise<EscalationOutcome> {
  const reason = `${failure.check} failed: ${failure.summary}`;
  const next = higher[escalations];
  if (!next) return { kind: 'stopped', stopReason: 'check-failed', detail: reason };
  await settings.journal.append(settings.taskId, 'route-decision', {
    step: settings.step,
    kind: 'escalate',
    model: next.label,
    tier: 'tier' in next && typeof next.tier === 'string' ? next.tier : next.label,
    attempt: 1,
    reason,
    waitMs: 0,
  });
  return {
    kind: 'escalated',
    model: next,
    escalations: escalations + 1,
    message: { role: 'user', content: checkFailedMessage(failure.check, failure.summary, failure.output) },
  };
}

/**
 * The model of the tier a task is on after `escalations` moves up: the starting model, or one of the
 * higher tiers. Undefined when the config no longer has that tier (a resumed task).
 */
export function modelAtTier(
  first: ModelClient,
  higher: readonly ModelClient[],
  escalations: number,
): ModelClient | undefined {
  return escalations > 0 ? higher[escalations - 1] : first;
}
