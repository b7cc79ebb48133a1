/** How long, how much output, and what environment one command may have. */
export interface ExecOptions {
  /** Kill the whole process tree after this many milliseconds. */
  timeoutMs: number;
  /** Bytes kept of stdout and of stderr each; the rest is counted, not kept. */
  maxOutputBytes: number;
  /** Extra environment variables for the command (the base environment is an allow-list). */
  env?: Readonly<Record<string, string>>;
}

export interface ExecResult {
  /** `null` when the command was killed by a signal. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Full sizes, before truncation. */
  stdoutBytes: number;
  stderrBytes: number;
  /** True when some output was dropped because of `maxOutputBytes`. */
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
}

/**
 * Runs a shell command with the workspace as its only writable place. Implementations do no I/O when
 * constructed; `check()` verifies the isolation can actually be set up on this machine.
 */
export interface SandboxDriver {
  readonly name: string;
  /** Throws a `UserError` with code `sandbox-unavailable` and a hint when this driver cannot run here. */
  check(): Promise<void>;
  /** Runs `command` through `/bin/sh -c` with `workspaceDir` mounted at `SANDBOX_WORKDIR` as its cwd. */
  exec(workspaceDir: string, command: string, options: ExecOptions): Promise<ExecResult>;
}

/** Where the workspace appears inside the sandbox; host paths never show to the agent. */
export const SANDBOX_WORKDIR = '/workspace';
