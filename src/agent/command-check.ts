import type { ModelClient } from '../model/index.ts';
import type { ExecResult } from '../spec/sandbox.ts';
import type { TaskCheck } from './check-step.ts';
import { truncateText } from './truncate-text.ts';

export interface CommandCheckSettings {
  /** The command, as the config names it (`npm test`); exit 0 passes. */
  command: string;
  /** Runs the command in the task's sandbox. */
  execute: (command: string) => Promise<ExecResult>;
  /** The tiers to escalate to when it fails, cheapest first. */
  higher: readonly ModelClient[];
  /** Characters of its output the model is shown when it fails; the cut is stated. */
  outputChars: number;
}

/** A task check that runs a command in the task's sandbox: exit 0 passes, any other exit or a timeout fails. */
export function createCommandCheck(settings: CommandCheckSettings): TaskCheck {
  const { command, execute, outputChars } = settings;
  return {
    name: command,
    higher: settings.higher,
    async run() {
      const result = await execute(command);
      const passed = result.exitCode === 0 && !result.timedOut;
      const summary = result.timedOut ? 'timed out' : `exit ${result.exitCode}`;
      const output = truncateText(`${result.stdout}\n${result.stderr}`.trim(), outputChars).text;
      return { passed, summary, output };
    },
  };
}
