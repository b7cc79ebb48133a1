import type { JournalEvent } from '../spec/types.ts';

/**
 * The live view of a running task on a terminal: one line per model call (what it cost and the running
 * total), one line per tool call (what it ran, the decision on it, how it ended). Returns a function
 * from a journal event to the text to print, if any.
 */
export function createLiveView(): (event: JournalEvent) => string | undefined {
  const pending = new Map<string, { decision: string; input: string }>();
  return (event) => {
    switch (event.type) {
      case 'workspace-ready':
        return event.toolchain ? `toolchain: ${event.toolchain}\n` : undefined;
      case 'model-response': {
        const said = event.text ? `  “${oneLine(String(event.text), 70)}”` : '';
        return `step ${event.step}  $${fixed(event.costUsd)} (total $${fixed(event.spentUsd)})${said}\n`;
      }
      case 'decision':
        pending.set(String(event.toolCallId), { decision: String(event.decision), input: '' });
        return event.decision === 'allow'
          ? undefined
          : `  ${event.tool}: ${event.decision} — ${(event.reasons as string[]).join('; ')}\n`;
      case 'tool-call-start': {
        const entry = pending.get(String(event.toolCallId));
        if (entry) entry.input = describeInput(event.input);
        return undefined;
      }
      case 'tool-call-end': {
        const entry = pending.get(String(event.toolCallId));
        pending.delete(String(event.toolCallId));
        const outcome = event.isError ? 'failed' : 'ok';
        const exit = typeof event.exitCode === 'number' ? ` exit ${event.exitCode}` : '';
        return `  ${event.tool} ${entry?.input ?? ''}  [${entry?.decision ?? '?'}] ${outcome}${exit}  ${Math.round(Number(event.durationMs))} ms\n`;
      }
      case 'net-connect':
        return event.decision === 'allow'
          ? undefined
          : `  network: ${event.host}:${event.port} refused — ${event.reason}\n`;
      case 'route-decision':
        // A model that fails and is retried should not look like a frozen task.
        if (event.kind === 'retry')
          return `  retrying ${event.model}${Number(event.waitMs) > 0 ? ` in ${event.waitMs} ms` : ''}: ${event.reason}\n`;
        if (event.kind === 'give-up') return `  gave up on ${event.model}: ${event.reason}\n`;
        return undefined;
      case 'budget-exceeded':
        return `stopped: ${event.reason}\n`;
      case 'stuck-detected':
        return `stopped, stuck: ${event.detail}\n`;
      case 'error':
        return `error: ${event.message}\n`;
      default:
        return undefined;
    }
  };
}

/** The warning to print for a call whose usage was missing or impossible; `undefined` for other events. */
export function usageWarning(event: JournalEvent): string | undefined {
  const reserved = `$${fixed(event.reservedUsd)}`;
  if (event.type === 'usage-missing')
    return `warning: step ${event.step}: ${event.model} reported no usage; booked its ${reserved} reservation\n`;
  if (event.type === 'usage-anomaly')
    return `warning: step ${event.step}: ${event.model} reported impossible usage (${event.reason}); booked its ${reserved} reservation, counted as a provider error\n`;
  return undefined;
}

function describeInput(input: unknown): string {
  if (typeof input !== 'object' || input === null) return '';
  const fields = input as Record<string, unknown>;
  const main = fields.command ?? fields.pattern ?? fields.path;
  return oneLine(typeof main === 'string' ? main : JSON.stringify(input), 60);
}

function oneLine(text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

function fixed(value: unknown): string {
  return Number(value ?? 0).toFixed(4);
}
