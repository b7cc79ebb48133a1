/** How long, how much output, and what environment one command may have. */
export interface ExecOptions {
  /** Wall time: kill the whole process tree after this many milliseconds. */
  timeoutMs: number;
  /** Bytes kept of stdout and of stderr each; the rest is counted, not kept. */
  maxOutputBytes: number;
  /** Extra environment variables for the command (the base environment is an allow-list). */
  env?: Readonly<Record<string, string>>;
}

/** A limit a command ran into; `wall-time` and `output` come from {@link ExecOptions}. */
export type LimitName = 'wall-time' | 'output' | 'memory' | 'processes' | 'cpu' | 'file-size' | 'disk';

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
  /** Every limit the command ran into, in no particular order; empty when none. */
  limitsExceeded: LimitName[];
  durationMs: number;
}

/**
 * Resource limits of one sandbox, per command. A driver enforces each as well as its platform allows
 * and documents how; a limit it cannot enforce at all makes `create` throw `unsupported`.
 */
export interface ResourceLimits {
  /** Memory of the whole command (all its processes). */
  memoryBytes: number;
  /** Processes and threads alive at once. */
  processes: number;
  /** CPU seconds per process. */
  cpuSeconds: number;
  /** Largest file a process may write. */
  fileSizeBytes: number;
  /** Total size of the workspace after a command. */
  workspaceBytes: number;
}

export const DEFAULT_RESOURCE_LIMITS: Readonly<ResourceLimits> = {
  memoryBytes: 4 * 1024 ** 3,
  processes: 512,
  cpuSeconds: 900,
  fileSizeBytes: 1024 ** 3,
  workspaceBytes: 8 * 1024 ** 3,
};

/**
 * Workspace-relative paths that a host or a human will later execute or trust: read-only for the agent
 * even when they do not exist yet. A trailing `/` marks a directory. `.git` is protected at any depth.
 */
export const DEFAULT_PROTECTED_PATHS: readonly string[] = [
  '.git/',
  '.github/workflows/',
  '.github/actions/',
  '.gitlab-ci.yml',
  '.circleci/',
  '.buildkite/',
  'azure-pipelines.yml',
  'Jenkinsfile',
  '.husky/',
  '.githooks/',
  '.envrc',
  '.npmrc',
  '.claude/',
  '.cursor/',
  '.vscode/',
  '.mcp.json',
  'warden.yaml',
  '.warden/',
];

export interface SandboxSettings {
  /** Host directory the sandbox works on; it appears at {@link SANDBOX_WORKDIR}. */
  workspaceDir: string;
  /** Missing fields take {@link DEFAULT_RESOURCE_LIMITS}. */
  limits?: Partial<ResourceLimits>;
  /** Default: {@link DEFAULT_PROTECTED_PATHS}. */
  protectedPaths?: readonly string[];
}

/** One workspace's isolated environment. Calls after `destroy` throw `sandbox-failed`. */
export interface Sandbox {
  /** The host directory the sandbox works on. */
  readonly workspaceDir: string;
  /** Runs `command` through `/bin/sh -c` in {@link SANDBOX_WORKDIR}, within the sandbox's limits. */
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
  /**
   * Reads a workspace file (path relative to the workspace or under {@link SANDBOX_WORKDIR}).
   * @throws UserError `path-outside-workspace` or `path-not-found`.
   */
  readFile(path: string): Promise<Buffer>;
  /**
   * Creates or replaces a workspace file and its parent directories.
   * @throws UserError `path-protected` for a protected path; `path-outside-workspace` for an escape.
   */
  writeFile(path: string, content: string | Uint8Array): Promise<void>;
  /** Ends every process and frees what the sandbox holds; the host workspace stays. Idempotent. */
  destroy(): Promise<void>;
}

/**
 * Creates sandboxes. Implementations do no I/O when constructed; `check()` verifies the isolation can
 * actually be set up on this machine.
 */
export interface SandboxDriver {
  readonly name: string;
  /** Throws a `UserError` with code `sandbox-unavailable` and a hint when this driver cannot run here. */
  check(): Promise<void>;
  /** A sandbox for one workspace. Throws like `check()` when the driver cannot run here. */
  create(settings: SandboxSettings): Promise<Sandbox>;
}

/** Where the workspace appears inside the sandbox; host paths never show to the agent. */
export const SANDBOX_WORKDIR = '/workspace';
