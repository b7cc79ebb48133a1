import { spawn } from 'node:child_process';
import { SystemError } from '../src/spec/errors.ts';

export interface CommandResult {
  /** Exit code; `null` when a signal ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to its end and collects its output. Throws when it does not exit 0, unless
 * `allowFailure`: a bench that goes on after a failed step would print figures of something else.
 */
export function runCommand(
  program: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; allowFailure?: boolean } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const result = {
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      };
      if (code === 0 || options.allowFailure) resolve(result);
      else {
        reject(
          new SystemError('sandbox-failed', `${program} ${args.join(' ')} exited ${code}: ${result.stderr}`, {
            hint: 'the benchmark needs git, bubblewrap and the project installed (npm install)',
          }),
        );
      }
    });
  });
}
