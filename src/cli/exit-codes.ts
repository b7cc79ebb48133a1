/** Exit codes of every `warden` command, as documented in the README. */
export const EXIT = {
  ok: 0,
  /** The task failed (an error, the model gave up, the change could not be saved). */
  failed: 1,
  /** A usage or config error: bad flag, bad config, unknown task, unusable repository. */
  usage: 2,
  /**
   * Stopped by a limit (budget, steps, wall time, stuck detection, an open circuit breaker), or blocked:
   * the secret scan found a secret in the change.
   */
  stopped: 3,
  /** The task waits for a human approval: `warden approvals`, then `warden resume TASK`. */
  awaitingApproval: 4,
  /** The task was interrupted (its process died) and can be continued: `warden resume TASK`. */
  interrupted: 5,
} as const;
