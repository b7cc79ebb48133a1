import type { ToolModelMessage, ToolResultPart } from 'ai';
import type { GuardStop, TaskGuard } from '../guard/index.ts';
import type { ToolCall } from '../spec/types.ts';
import type { LoopStop } from './loop-stop.ts';
import { runToolCall, type ToolCallSettings } from './run-tool-call.ts';
import type { StuckDetector, StuckVerdict } from './stuck-detector.ts';

/** What every tool step of a task shares: how one call runs, plus the watchers of the whole step. */
export interface ToolStepSettings extends ToolCallSettings {
  /** Counts failed calls against the tool-error breaker. */
  guard: TaskGuard;
  /** Watches every call of the task (its state spans steps). */
  stuck: StuckDetector;
}

/**
 * How the step went. `message` carries the tool results for the conversation (absent when a call
 * paused: nothing after it ran); `stop` is set when the loop must end here.
 */
export interface ToolStepOutcome {
  message?: ToolModelMessage;
  stop?: LoopStop;
}

/**
 * The tool step: runs one model reply's tool calls in order (each decided by policy, approved when it
 * must be, run and journaled by `runToolCall`) and collects their results for the model. The step stops
 * the task when a call waits for a human approval (`awaiting-approval`, before any later call runs), when
 * the stuck detector sees a loop (`stuck`, journaled and counted against the loop breaker), or when a
 * breaker opens on failed calls; a stuck or breaker stop still answers every call of the step.
 *
 * @param finished Results of calls of this step that already ran (a resumed task), kept in order first.
 */
export async function runToolStep(
  settings: ToolStepSettings,
  calls: readonly ToolCall[],
  finished: readonly ToolResultPart[] = [],
): Promise<ToolStepOutcome> {
  const { journal, taskId, guard, stuck } = settings;
  const content: ToolResultPart[] = [...finished];
  let verdict: StuckVerdict | undefined;
  let breaker: GuardStop | undefined;
  for (const call of calls) {
    const outcome = await runToolCall(settings, call);
    if (outcome.kind === 'paused') {
      return {
        stop: {
          stopReason: 'awaiting-approval',
          detail: `${call.name} waits for a human approval (${outcome.approvalId})`,
        },
      };
    }
    // A human approved exactly this call and expects it done: its failure ends the task as failed.
    if (outcome.approvalId !== undefined && outcome.result.isError) {
      return {
        stop: {
          stopReason: 'approved-call-failed',
          detail: `${call.name} was approved (${outcome.approvalId}) but failed: ${outcome.shown}`,
        },
      };
    }
    content.push({
      type: 'tool-result',
      toolCallId: call.id,
      toolName: call.name,
      output: { type: outcome.result.isError ? 'error-text' : 'text', value: outcome.shown },
    });
    verdict ??= stuck.observe(call, { output: outcome.result.output, failed: outcome.result.isError });
    breaker ??= await guard.afterToolCall(outcome.result.isError);
  }
  const message: ToolModelMessage = { role: 'tool', content };
  if (verdict) {
    await journal.append(taskId, 'stuck-detected', { pattern: verdict.pattern, detail: verdict.detail });
    await guard.onLoop(verdict.detail);
    return { message, stop: { stopReason: 'stuck', detail: verdict.detail } };
  }
  if (breaker) return { message, stop: { stopReason: breaker.stopReason, detail: breaker.reason } };
  return { message };
}
