/** How long, how much output, and what environment one command may have. */
export interface ExecOptions {
  /** Wall time: kill the whole process tree after this many milliseconds. */
  timeoutMs: number;
  /** Bytes kept of stdout and of stderr each; the rest is counted, not kept. */
  maxOutputBytes: number;
  /** Extra environment variables for the command (the base environment is an allow-list). */
  env?: Readonly<Record<string, string>>;
  /**
   * Run in a sandbox of its own, which nothing an earlier command left running can reach or misreport:
   * for a check whose result decides anything. A driver whose commands share one sandbox ends that
   * sandbox first (everything in it is killed).
   */
  fresh?: boolean;
}

/**
 * A limit a command ran into; `wall-time` and `output` come from {@link ExecOptions}. `protected-path`:
 * the command created something at a protected path the repository does not have, and the driver
 * removed it afterwards.
 */
export type LimitName =
  | 'wall-time'
  | 'output'
  | 'memory'
  | 'processes'
  | 'cpu'
  | 'file-size'
  | 'disk'
  | 'protected-path';

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
  /** Total size of the workspace, checked while a command runs and after it. */
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
  /**
   * The way out through Warden's egress proxy. Undefined, or an empty allow-list with no upstreams: no
   * network at all (only the sandbox's own loopback).
   */
  egress?: SandboxEgress;
}

/** A credential a tool inside the sandbox needs; the sandbox only ever sees a placeholder for it. */
export interface EgressSecret {
  /** The environment variable inside the sandbox that holds the placeholder (`NPM_TOKEN`). */
  name: string;
  /** The real value; it stays on the host. */
  value: string;
  /**
   * Allow-list entries (`registry.npmjs.org`, `*.example.com`, optional `:port`) of the hosts whose
   * plain-HTTP requests get the placeholder replaced by the value. Empty or undefined: none (the secret
   * then only reaches its credentialed upstreams).
   */
  hosts?: readonly string[];
  /**
   * Whether a plain-HTTP request carrying this secret may change anything: false (the default) lets
   * only GET and HEAD through, so a token that can read a registry cannot publish to it.
   */
  allowWrite?: boolean;
}

/**
 * A credentialed upstream: the sandbox talks plain HTTP to `<proxy>/_upstream/<name>/…` and the proxy
 * forwards to `url` (normally https) adding the real credential, so no TLS interception is needed.
 */
export interface EgressUpstream {
  /** Lower-case name used in the path (`npm` → `/_upstream/npm/`). */
  name: string;
  /**
   * Where requests go, e.g. `https://registry.npmjs.org/`. Set by the operator and trusted: it is not
   * subject to the allow-list or the private-address check (an internal registry is a normal target).
   */
  url: string;
  /** The `name` of the `EgressSecret` to send; undefined sends no credential (a plain mirror). */
  secret?: string;
  /** Header carrying the credential. Default `authorization`. */
  header?: string;
  /** Prefix of the header value (`Bearer` → `Bearer <value>`); `''` sends the bare value. Default `Bearer`. */
  scheme?: string;
  /** Environment variables inside the sandbox set to this upstream's URL (`npm_config_registry`). */
  urlEnv?: readonly string[];
  /** Whether methods other than GET and HEAD go through (publishing, for one). Default false. */
  allowWrite?: boolean;
}

/** One connection or request through the egress proxy, allowed or refused. Never holds a secret. */
export interface EgressConnection {
  /** The target host as the client named it, normalised (lower case, literal addresses canonical). */
  host: string;
  /** The target port; 0 when the request was refused before a port was known. */
  port: number;
  /** `CONNECT` for a tunnel, otherwise the HTTP method. */
  method: string;
  decision: 'allow' | 'refuse';
  /** Why: `on the allow-list`, `not on the allow-list`, `address is loopback`, `credentialed upstream npm`, … */
  reason: string;
  /** Bytes from the sandbox to the target (request body, or tunnel payload). */
  bytesUp: number;
  /** Bytes from the target back to the sandbox. */
  bytesDown: number;
  /** When the request arrived, ISO 8601. */
  at: string;
  durationMs: number;
  /** What went wrong after an allowed decision (the target did not answer, …); undefined if nothing. */
  error?: string;
}

/** What a sandbox may reach outside, all through Warden's proxy on the host. */
export interface SandboxEgress {
  /** Host names (exact, or `*.suffix`, which does not match the bare domain), each with an optional `:port`. */
  allow: readonly string[];
  /** Credentials the sandbox sees only as placeholders. Default: none. */
  secrets?: readonly EgressSecret[];
  /** Credentialed upstreams. Default: none. */
  upstreams?: readonly EgressUpstream[];
  /**
   * Allow-list entries whose plain-HTTP requests may only read (GET and HEAD): the package registries
   * of the egress groups not granted writes. Default: none.
   */
  readOnly?: readonly string[];
  /** Called once per connection or request, allowed or refused, when it ends. */
  onConnection?: (connection: EgressConnection) => void;
  /**
   * Asked for each target the allow-list admits: a reason to refuse it now (a tainted task holds back
   * hosts beyond the package registries), or undefined to let it through. Default: nothing held.
   */
  hold?: (host: string, port: number) => string | undefined;
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
  /**
   * Which toolchain commands run, in one line for the run header and the journal
   * (`node v22.1.0 (host, /usr/bin/node)`): for the repository in `workspaceDir` when given (its
   * `.nvmrc`, `engines`… may pick another install). Undefined when the driver cannot say (an image's own).
   */
  describeToolchain?(workspaceDir?: string): Promise<string>;
}

/** Where the workspace appears inside the sandbox; host paths never show to the agent. */
export const SANDBOX_WORKDIR = '/workspace';
