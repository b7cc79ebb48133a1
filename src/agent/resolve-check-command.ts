import { z } from 'zod';
import type { JournalEvent } from '../spec/journal-events.ts';
import { checkDefinitionOf } from './check-definition.ts';
import { detectCheckCommand } from './detect-check-command.ts';

/** The check a task runs when the model says it is finished, chosen once at the task's start. */
export interface CheckCommand {
  /** The command run in the sandbox (`npm test`); exit 0 passes. */
  command: string;
  /** Where it came from: `agent.check`, or the file(s) auto-detection read (`package.json scripts.test, package-lock.json`). */
  source: string;
  /**
   * Fingerprint of the workspace file that defines what the command runs (`package.json`'s test
   * scripts, the Makefile), taken at the start (`checkDefinitionOf`); a check whose definition changed
   * since fails. Undefined: no workspace file defines it.
   */
  definition?: string | undefined;
}

/**
 * The check of a new task from the `agent.check` setting: `auto` detects the repository's test command
 * in `workspaceDir` (see `detectCheckCommand`); `none`, `null` or `undefined` is no check; anything else
 * is the command itself. `null` when the task has no check (its success then stays `unverified`).
 */
export async function resolveCheckCommand(
  setting: string | null | undefined,
  workspaceDir: string,
): Promise<CheckCommand | null> {
  if (setting === undefined || setting === null || setting === 'none') return null;
  if (setting === 'auto') {
    const detected = await detectCheckCommand(workspaceDir);
    if (detected === undefined) return null;
    const definition = await checkDefinitionOf(workspaceDir, detected.source);
    return definition === undefined ? detected : { ...detected, definition };
  }
  return { command: setting, source: 'agent.check' };
}

const RecordedSchema = z.object({
  check: z
    .object({ command: z.string().min(1), source: z.string(), definition: z.string().optional() })
    .nullable(),
});

/**
 * The check a task chose at its start, from its `workspace-ready` event: a resumed task keeps it (the
 * agent may have changed the files detection reads since). `undefined` when the task recorded none
 * (it started before checks were recorded).
 */
export function recordedCheckCommand(events: readonly JournalEvent[]): CheckCommand | null | undefined {
  const ready = events.find((event) => event.type === 'workspace-ready');
  const parsed = RecordedSchema.safeParse(ready);
  return parsed.success ? parsed.data.check : undefined;
}
