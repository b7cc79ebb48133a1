import type { EventFields } from '../spec/journal-events.ts';
import type { ExecResult } from '../spec/sandbox.ts';

/**
 * A cheap deterministic check run before any model call: when its command's exit status matches
 * `when`, the task ends with `outcome` and no model is asked.
 */
export interface PreCheck {
  command: string;
  /** `exit-0`: matches when the command succeeds; `exit-nonzero`: when it fails (or times out). */
  when: 'exit-0' | 'exit-nonzero';
  outcome: 'already-done' | 'not-actionable';
}

/** How a pre-check ended a task. */
export interface EarlyExit {
  stopReason: 'already-done' | 'not-actionable';
  detail: string;
}

/** Whether a command's end is `exit-0` (it succeeded) or `exit-nonzero` (it failed or timed out). */
export function exitMeets(result: ExecResult, expected: 'exit-0' | 'exit-nonzero'): boolean {
  const succeeded = result.exitCode === 0 && !result.timedOut;
  return expected === 'exit-0' ? succeeded : !succeeded;
}

/**
 * Runs the pre-checks in order and journals each (`pre-check`: command, exit code, whether it matched);
 * the first that matches ends the task. Returns `undefined` when none matched and the task goes on.
 */
export async function runPreChecks(
  checks: readonly PreCheck[],
  execute: (command: string) => Promise<ExecResult>,
  record: (fields: EventFields<'pre-check'>) => Promise<unknown>,
): Promise<EarlyExit | undefined> {
  for (const check of checks) {
    const result = await execute(check.command);
    const matched = exitMeets(result, check.when);
    await record({
      command: check.command,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      matched,
      outcome: matched ? check.outcome : undefined,
    });
    if (matched) {
      const said = check.when === 'exit-0' ? 'succeeded' : 'failed';
      return {
        stopReason: check.outcome,
        detail: `the pre-check \`${check.command}\` ${said}: ${check.outcome}`,
      };
    }
  }
  return undefined;
}
