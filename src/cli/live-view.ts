import type { JournalEvent } from '../spec/types.ts';

/**
 * One line per step on a terminal: the model call with its cost and the running total, then each tool
 * call with the decision on it and how it ended.
 */
export function formatLiveEvent(event: JournalEvent): string | undefined {
  switch (event.type) {
    case 'model-response':
      return `step ${event.step}  ${event.model}  ${toolSummary(event.toolCalls)}  $${fixed(event.costUsd)} (total $${fixed(event.spentUsd)})\n`;
    case 'decision':
      return event.decision === 'allow'
        ? undefined
        : `        ${event.tool}: ${event.decision} — ${(event.reasons as string[]).join('; ')}\n`;
    case 'tool-call-end':
      return `        ${event.tool} ${event.isError ? 'failed' : 'ok'}${event.exitCode !== undefined && event.exitCode !== null ? ` (exit ${event.exitCode})` : ''}  ${Math.round(Number(event.durationMs))} ms\n`;
    case 'budget-exceeded':
      return `budget: ${event.reason}\n`;
    case 'stuck-detected':
      return `stuck: ${event.detail}\n`;
    case 'error':
      return `error: ${event.message}\n`;
    default:
      return undefined;
  }
}

function toolSummary(calls: unknown): string {
  if (!Array.isArray(calls) || calls.length === 0) return 'answers';
  return `calls ${calls.map((call) => (call as { name: string }).name).join(', ')}`;
}

function fixed(value: unknown): string {
  return Number(value ?? 0).toFixed(4);
}
