/**
 * Every error Warden throws carries a `code` (what went wrong, machine-readable), an optional `cause`,
 * and `isRetryable` (would the same call succeed later without anyone changing anything).
 *
 * A user's mistake (bad config, bad flag, unknown task, a repository that is not git) is a `UserError`;
 * a fault of the system or of something it depends on (database, sandbox, a model vendor) is a
 * `SystemError`. The command line maps the first to exit code 2.
 */
export type ErrorCode =
  | 'usage'
  | 'config-invalid'
  | 'repo-invalid'
  | 'task-not-found'
  | 'agent-not-found'
  | 'task-not-resumable'
  | 'limits-loosened'
  | 'data-dir-invalid'
  | 'model-spec-invalid'
  | 'model-key-missing'
  | 'model-call-failed'
  | 'model-reply-invalid'
  | 'scripted-file-invalid'
  | 'scripted-turns-exhausted'
  | 'price-unknown'
  | 'sandbox-unavailable'
  | 'sandbox-failed'
  | 'path-outside-workspace'
  | 'path-not-found'
  | 'path-protected'
  | 'git-failed'
  | 'store-failed'
  | 'spend-out-of-range'
  | 'journal-corrupt'
  | 'lease-lost'
  | 'webhook-failed'
  | 'telemetry-failed'
  | 'breaker-open'
  | 'batch-failed'
  | 'policy-bundle-invalid'
  | 'policy-request-invalid'
  | 'approval-not-found'
  | 'approval-decided'
  | 'approval-expired'
  | 'credential-refused'
  | 'credential-failed'
  | 'action-refused'
  | 'action-invalid'
  | 'action-in-doubt'
  | 'forge-failed'
  | 'deploy-failed'
  | 'install-damaged'
  | 'eval-suite-invalid'
  | 'eval-predictions-invalid'
  | 'eval-report-invalid'
  | 'test-output-invalid'
  | 'registry-unreachable'
  | 'registry-reply-invalid'
  | 'unsupported';

export interface WardenErrorOptions {
  cause?: unknown;
  isRetryable?: boolean;
  /** A short instruction for the person reading the error: what to do about it. */
  hint?: string;
}

export class WardenError extends Error {
  readonly code: ErrorCode;
  readonly isRetryable: boolean;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: WardenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.isRetryable = options.isRetryable ?? false;
    this.hint = options.hint;
  }
}

/** Something the user can fix: a flag, a config field, a path, a task id. */
export class UserError extends WardenError {}

/** Something broke that the user did not cause: the store, the sandbox, a vendor. */
export class SystemError extends WardenError {}

/** An optional capability was called on an implementation that does not have it. */
export class UnsupportedError extends WardenError {
  constructor(what: string) {
    super('unsupported', `${what} is not supported by this implementation`);
  }
}

/** An open circuit breaker as a refusal names it: its scope and kind, and a sentence for people. */
export interface OpenBreakerNotice {
  /** `model:KEY`, `task:ID`, `agent:NAME`, `team:NAME` or `fleet`. */
  scope: string;
  /** `provider`, `tool-errors`, `spend` or `loop`. */
  kind: string;
  /** Why it is open, when it closes, and the command that resets it. */
  description: string;
}

/**
 * A call refused because circuit breakers are open (code `breaker-open`): nothing was sent. The task
 * stops with `breaker`; the same call succeeds once the breakers close, hence retryable.
 */
export class BreakerOpenError extends SystemError {
  readonly breakers: readonly OpenBreakerNotice[];

  constructor(message: string, breakers: readonly OpenBreakerNotice[]) {
    super('breaker-open', message, {
      isRetryable: true,
      hint: 'see `warden breakers`: each open breaker, why, when it closes by itself',
    });
    this.breakers = breakers;
  }
}

/** Turns anything thrown into a one-line message, keeping the hint when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof WardenError) {
    return error.hint ? `${error.message}\n  hint: ${error.hint}` : error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
