import type { JournalEvent } from '../spec/journal-events.ts';

/**
 * The live view of a running task on a terminal: one line per model call (what it cost and the running
 * total), one line per tool call (what it ran, the decision on it, how it ended). Returns a function
 * from a journal event to the text to print, if any.
 */
export function createLiveView(): (event: JournalEvent) => string | undefined {
  const line = createLineView();
  // Children run at once: each line of one says whose it is.
  return (event) => {
    const text = line(event);
    return text !== undefined && event.child !== undefined ? `[${event.child}] ${text.trimStart()}` : text;
  };
}

function createLineView(): (event: JournalEvent) => string | undefined {
  const pending = new Map<string, { decision: string; input: string }>();
  return (event) => {
    switch (event.type) {
      case 'model-response': {
        const said = event.text ? `  “${oneLine(event.text, 70)}”` : '';
        return `step ${event.step}  $${fixed(event.costUsd)} (total $${fixed(event.spentUsd)})${said}\n`;
      }
      case 'decision':
        // An action's decision has no tool call to pair with.
        if (event.toolCallId !== undefined)
          pending.set(event.toolCallId, { decision: event.decision, input: '' });
        return event.decision === 'allow'
          ? undefined
          : `  ${event.tool}: ${event.decision} — ${event.reasons.join('; ')}\n`;
      case 'tool-call-start': {
        const entry = pending.get(event.toolCallId);
        if (entry) entry.input = describeInput(event.input);
        return undefined;
      }
      case 'tool-call-end': {
        const entry = pending.get(event.toolCallId);
        pending.delete(event.toolCallId);
        const outcome = event.isError ? 'failed' : 'ok';
        const exit = typeof event.exitCode === 'number' ? ` exit ${event.exitCode}` : '';
        return `  ${event.tool} ${entry?.input ?? ''}  [${entry?.decision ?? '?'}] ${outcome}${exit}  ${Math.round(event.durationMs)} ms\n`;
      }
      case 'net-connect':
        return event.decision === 'allow'
          ? undefined
          : `  network: ${event.host}:${event.port} refused — ${event.reason}\n`;
      case 'route-decision':
        // A model that fails and is retried should not look like a frozen task.
        if (event.kind === 'retry')
          return `  retrying ${event.model}${event.waitMs > 0 ? ` in ${event.waitMs} ms` : ''}: ${event.reason}\n`;
        if (event.kind === 'give-up') return `  gave up on ${event.model}: ${event.reason}\n`;
        return undefined;
      case 'workspace-ready': {
        // Said up front, so a user knows before the end whether the result can be verified.
        const { check } = event;
        const toolchain = event.toolchain ? `toolchain: ${event.toolchain}\n` : '';
        if (check === undefined) return toolchain || undefined;
        return check === null
          ? `${toolchain}check: none (agent.check: none, or no test command found): the result will be unverified\n`
          : `${toolchain}check: ${check.command} (${check.source})\n`;
      }
      case 'check':
        return `  check ${event.check} ${event.passed === true ? 'passed' : `failed (${event.summary})`}\n`;
      case 'stage-start':
        return `stage ${event.index} ${event.stage}${event.kind === 'command' ? `: ${event.command}` : ''}\n`;
      case 'stage-end':
        return event.status === 'passed'
          ? undefined
          : `  stage ${event.stage} ended the task: ${event.detail}\n`;
      case 'plan':
        return `plan: ${event.subtasks.map((subtask) => subtask.id).join(', ')}\n`;
      case 'subtask-start':
        return `subtask ${event.subtask}: ${oneLine(event.goal, 70)}\n`;
      case 'role-end':
        return `role ${event.role} ${event.status === 'passed' ? 'done' : `failed: ${oneLine(event.detail, 90)}`}\n`;
      case 'subtask-end':
        return `subtask ${event.subtask} ${event.status === 'passed' ? 'passed' : `failed: ${oneLine(event.detail, 90)}`}\n`;
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
  if (event.type === 'usage-missing')
    return `warning: step ${event.step}: ${event.model} reported no usage; booked its $${fixed(event.reservedUsd)} reservation\n`;
  if (event.type === 'usage-anomaly')
    return `warning: step ${event.step}: ${event.model} reported impossible usage (${event.reason}); booked its $${fixed(event.reservedUsd)} reservation, counted as a provider error\n`;
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
