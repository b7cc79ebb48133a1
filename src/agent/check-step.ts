import type { Journal } from '../journal/index.ts';
import type { ModelClient } from '../model/index.ts';
import type { LoopStop } from './loop-stop.ts';

/**
 * Verification when the model says it is finished, and the tiers to escalate to when it fails (the
 * cascade). Without one, the model's word ends the task.
 */
export interface TaskCheck {
  /** The check as people read it (`npm test`). */
  name: string;
  /** Runs the check; never throws for a failing check. */
  run(): Promise<{ passed: boolean; summary: string; output: string }>;
  /** The models of the tiers above the starting one, cheapest first; empty: a failed check fails the task. */
  higher: readonly ModelClient[];
}

/** A check that ran and failed: what the escalation tells the next tier. */
export interface CheckFailure {
  /** The check as people read it. */
  check: string;
  /** One line: `exit 1`, `timed out`. */
  summary: string;
  /** What the check printed, cut to the tool output limit. */
  output: string;
}

/** Where the check step ends: the task is done (how, and why), or the check failed. */
export type CheckOutcome = ({ kind: 'done' } & LoopStop) | { kind: 'failed'; failure: CheckFailure };

/** Where the check is journaled. */
export interface CheckStepSettings {
  taskId: string;
  journal: Journal;
  /** The model call whose answer said "finished". */
  step: number;
}

/**
 * The check step, taken when the model answers without a tool call: runs the task's check and journals
 * its result (`check`). A passing check finishes the task; a failing one is handed back so the loop can
 * escalate. Without a check, the model's word finishes the task.
 */
export async function runCheckStep(
  settings: CheckStepSettings,
  check: TaskCheck | undefined,
): Promise<CheckOutcome> {
  if (!check) return { kind: 'done', stopReason: 'finished', detail: 'the model finished' };
  const result = await check.run();
  await settings.journal.append(settings.taskId, 'check', {
    step: settings.step,
    check: check.name,
    passed: result.passed,
    summary: result.summary,
    output: result.output,
  });
  if (result.passed) {
    return { kind: 'done', stopReason: 'finished', detail: `the model finished and ${check.name} passed` };
  }
  return { kind: 'failed', failure: { check: check.name, summary: result.summary, output: result.output } };
}
