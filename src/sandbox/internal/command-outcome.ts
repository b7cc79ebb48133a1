import type { ExecResult, LimitName, ResourceLimits } from '../../spec/sandbox.ts';
import type { CappedOutput } from './capped-output.ts';
import type { LimitHits } from './limit-watch.ts';

/** Exit statuses of a shell whose command died of SIGXCPU / SIGXFSZ. */
const EXIT_CPU = 128 + 24;
const EXIT_FILE_SIZE = 128 + 25;

/** How programs say an allocation failed at the data-size rlimit (it is reached before the cgroup's). */
const MEMORY_FAILURE =
  /out of memory|Cannot allocate memory|Failed to allocate memory|ERR_MEMORY_ALLOCATION_FAILED|MemoryError|bad_alloc|allocation failed/i;

/** What one sandboxed command came to, before it is told to the caller. */
export interface CommandOutcome extends LimitHits {
  exitCode: number | null;
  signal: string | null;
  stdout: CappedOutput;
  stderr: CappedOutput;
  durationMs: number;
  /** Which limits its cgroup saw hit. */
  cgroup: { memory: boolean; processes: boolean };
  /** What it created at protected paths, removed after it. */
  removed: string[];
}

/**
 * The caller's view of a command's outcome: the limits it ran into, each explained on stderr.
 * `overDisk`: the workspace is over its disk limit now.
 */
export function execResultOf(outcome: CommandOutcome, limits: ResourceLimits, overDisk: boolean): ExecResult {
  const exceeded = new Set<LimitName>();
  const notes: string[] = [];
  const stderrText = outcome.stderr.text();
  const outputs = `${outcome.stdout.text()}\n${stderrText}`;
  if (outcome.timedOut) exceeded.add('wall-time');
  if (outcome.stdout.truncated || outcome.stderr.truncated) exceeded.add('output');
  if (outcome.processLimitKilled || outcome.cgroup.processes) {
    exceeded.add('processes');
    notes.push(`warden: the command reached the process limit (${limits.processes}) and was killed`);
  }
  if (outcome.cgroup.memory || MEMORY_FAILURE.test(outputs)) {
    exceeded.add('memory');
    notes.push(`warden: the command reached the memory limit (${limits.memoryBytes} bytes)`);
  }
  if (outcome.exitCode === EXIT_CPU || outputs.includes('CPU time limit exceeded')) exceeded.add('cpu');
  if (outcome.exitCode === EXIT_FILE_SIZE || outputs.includes('File size limit exceeded')) {
    exceeded.add('file-size');
    notes.push(`warden: a file reached the file size limit (${limits.fileSizeBytes} bytes)`);
  }
  if (outcome.diskLimitKilled || overDisk) {
    exceeded.add('disk');
    notes.push(
      outcome.diskLimitKilled
        ? `warden: the command took the workspace past its disk limit (${limits.workspaceBytes} bytes) and was killed; free space before going on`
        : `warden: the workspace uses more than its disk limit (${limits.workspaceBytes} bytes); free space before going on`,
    );
  }
  if (outcome.removed.length > 0) {
    exceeded.add('protected-path');
    notes.push(
      `warden: removed what the command created at protected paths: ${outcome.removed.join(', ')} (protected paths the repository does not have stay absent)`,
    );
  }
  const stderr =
    notes.length > 0
      ? `${stderrText}${stderrText && !stderrText.endsWith('\n') ? '\n' : ''}${notes.join('\n')}\n`
      : stderrText;
  return {
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    stdout: outcome.stdout.text(),
    stderr,
    stdoutBytes: outcome.stdout.bytes,
    stderrBytes: outcome.stderr.bytes,
    truncated: outcome.stdout.truncated || outcome.stderr.truncated,
    timedOut: outcome.timedOut,
    limitsExceeded: [...exceeded],
    durationMs: outcome.durationMs,
  };
}
