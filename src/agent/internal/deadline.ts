import type { LoopStop } from '../loop-stop.ts';
import type { ToolContext } from '../tools/tool.ts';

/** The wall-clock end of one run of a task, read from an injectable clock. */
export interface Deadline {
  /** The limit as configured, for the stop's detail. */
  readonly seconds: number;
  /** Milliseconds left; 0 once the deadline has passed. */
  remainingMs(): number;
  passed(): boolean;
}

/** A deadline `seconds` from now on `clock` (milliseconds since some fixed point). */
export function createDeadline(seconds: number, clock: () => number): Deadline {
  const end = clock() + seconds * 1000;
  return {
    seconds,
    remainingMs: () => Math.max(0, end - clock()),
    passed: () => clock() >= end,
  };
}

/** The stop of a task whose run reached its wall-time limit. */
export function wallTimeStop(deadline: Deadline): LoopStop {
  return { stopReason: 'wall-time', detail: `reached the limit of ${deadline.seconds} seconds` };
}

/** The tool context with every command it runs ending by the deadline (at least 1 ms, so none is unbounded). */
export function withinDeadline(context: ToolContext, deadline: Deadline): ToolContext {
  return {
    ...context,
    exec: (command, options) =>
      context.exec(command, {
        timeoutMs: Math.max(1, Math.min(options.timeoutMs, Math.ceil(deadline.remainingMs()))),
      }),
  };
}
