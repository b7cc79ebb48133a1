import type { ModelClient } from '../model/index.ts';
import type { ExecResult } from '../spec/sandbox.ts';
import { checkDefinitionOf, definingFile } from './check-definition.ts';
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
  /**
   * For a detected check: the fingerprint of what defines it (`package.json` scripts, the Makefile) at the
   * task's start. A check the agent rewrote (`"test": "exit 0"`) verifies nothing: it fails unrun.
   */
  definition?: { fingerprint: string; source: string; workspaceDir: string } | undefined;
}

/** A task check that runs a command in the task's sandbox: exit 0 passes, any other exit or a timeout fails. */
export function createCommandCheck(settings: CommandCheckSettings): TaskCheck {
  const { command, execute, outputChars } = settings;
  return {
    name: command,
    higher: settings.higher,
    async run() {
      const { definition } = settings;
      if (
        definition &&
        (await checkDefinitionOf(definition.workspaceDir, definition.source)) !== definition.fingerprint
      ) {
        const file = definingFile(definition.source) ?? definition.source;
        const what = file === 'package.json' ? 'package.json scripts.test' : `${file} test target`;
        return {
          passed: false,
          summary: `${what} changed since the task started`,
          output: `The check runs as the repository defined it when the task started; restore ${what} as it was.`,
        };
      }
      const result = await execute(command);
      const passed = result.exitCode === 0 && !result.timedOut;
      const summary = result.timedOut ? 'timed out' : `exit ${result.exitCode}`;
      const output = truncateText(`${result.stdout}\n${result.stderr}`.trim(), outputChars).text;
      return { passed, summary, output };
    },
  };
}
