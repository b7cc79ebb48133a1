import path from 'node:path';
import { SystemError } from '../src/spec/errors.ts';
import type { JournalEvent } from '../src/spec/journal-events.ts';
import type { ProbeReport } from './warden-run-probe.ts';

/** Tools whose calls run a command in the sandbox. */
const COMMAND_TOOLS = new Set(['shell', 'search']);

/**
 * Where one `warden run`'s wall time went, in ms, from the journal's event times, the benchmark's own
 * spawn and exit times and the probe's record of child processes. The phases follow each other and add
 * up to `wallMs`.
 */
export interface TaskSplit {
  wallMs: number;
  /** Spawn to the workspace's first git process: Node, imports, config, store, policy, sandbox probe. */
  startUpMs: number;
  /** First git process to `task-start`: the workspace (clone and checkout), the check's detection. */
  workspaceMs: number;
  /** `task-start` to the first `model-request`: toolchain, sandbox, pre-checks. */
  setupMs: number;
  /** First `model-request` to the last `model-response`: every step, with its tool calls. */
  stepsMs: number;
  /** Model calls the task made. */
  steps: number;
  /** Of `stepsMs`, the time the tool calls took (`tool-call-end` durations). */
  toolMs: number;
  /** Of `stepsMs`, the rest: model calls (scripted here), decisions, journal, per step. */
  harnessPerStepMs: number;
  /** The last `model-response` to the `check` event: the check running in the sandbox. */
  checkMs: number;
  /** The `check` event to `branch-created` (to `task-end` without a branch): saving the result branch. */
  branchMs: number;
  /** Then to the process's exit: `task-end`, the workspace removed, the store closed, exit. */
  finishMs: number;
  /** Spawn to the first model call. */
  firstModelCallMs: number;
  /** Sandboxed command time: shell and search calls, and the check. */
  commandMs: number;
  /** The process's own peak RSS, MB. */
  maxRssMb: number;
}

/** Splits one run; see {@link TaskSplit}. */
export function splitTask(
  events: readonly JournalEvent[],
  timing: { spawnAt: number; exitAt: number },
  probe: ProbeReport,
): TaskSplit {
  const at = (event: JournalEvent | undefined, what: string) => {
    if (!event) {
      throw new SystemError('journal-corrupt', `the benchmark's task has no ${what} event`, {
        hint: 'run it with `warden trace TASK` to see how it went',
      });
    }
    return Date.parse(event.at);
  };
  const taskStart = at(
    events.find((event) => event.type === 'task-start'),
    'task-start',
  );
  const firstRequest = at(
    events.find((event) => event.type === 'model-request'),
    'model-request',
  );
  const responses = events.filter((event) => event.type === 'model-response');
  const lastResponse = at(responses.at(-1), 'model-response');
  const check = at(
    events.find((event) => event.type === 'check'),
    'check',
  );
  const saved = at(
    events.find((event) => event.type === 'branch-created') ??
      events.find((event) => event.type === 'task-end'),
    'task-end',
  );
  const workspaceStart = workspaceStartOf(probe, taskStart);
  let toolMs = 0;
  let commandMs = check - lastResponse;
  for (const event of events) {
    if (event.type !== 'tool-call-end') continue;
    toolMs += event.durationMs;
    if (COMMAND_TOOLS.has(event.tool)) commandMs += event.durationMs;
  }
  const stepsMs = lastResponse - firstRequest;
  return {
    wallMs: timing.exitAt - timing.spawnAt,
    startUpMs: workspaceStart - timing.spawnAt,
    workspaceMs: taskStart - workspaceStart,
    setupMs: firstRequest - taskStart,
    stepsMs,
    steps: responses.length,
    toolMs,
    harnessPerStepMs: (stepsMs - toolMs) / responses.length,
    checkMs: check - lastResponse,
    branchMs: saved - check,
    finishMs: timing.exitAt - saved,
    firstModelCallMs: firstRequest - timing.spawnAt,
    commandMs,
    maxRssMb: probe.maxRssKb / 1024,
  };
}

/**
 * When the workspace's creation began: the first of the unbroken run of git processes that ends at
 * `task-start` (the repository's checks, the clone, the checkout). Git processes before another program
 * (the sandbox's probe) belong to start-up, such as the command line's check of `--repo`. Without any,
 * `task-start` itself.
 */
function workspaceStartOf(probe: ProbeReport, taskStart: number): number {
  let start = taskStart;
  const before = probe.spawns.filter((spawn) => spawn.startedAt <= taskStart);
  for (let index = before.length - 1; index >= 0; index--) {
    const spawn = before[index]!;
    if (path.basename(spawn.program) !== 'git') break;
    start = spawn.startedAt;
  }
  return start;
}
