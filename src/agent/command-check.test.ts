import { describe, expect, it } from 'vitest';
import { execResult } from '../../test/support/agent-loop-fixture.ts';
import type { ExecResult } from '../spec/sandbox.ts';
import { createCommandCheck } from './command-check.ts';

/** A command check over an `execute` double that answers `result` and records the commands. */
function checkAnswering(result: ExecResult, outputChars = 1000) {
  const executed: string[] = [];
  const check = createCommandCheck({
    command: 'npm test',
    execute: async (command) => {
      executed.push(command);
      return result;
    },
    higher: [],
    outputChars,
  });
  return { check, executed };
}

describe('createCommandCheck', () => {
  it('passes on exit 0, running the configured command', async () => {
    const { check, executed } = checkAnswering(execResult({ stdout: '3 passed' }));
    expect(check.name).toBe('npm test');
    expect(await check.run()).toEqual({ passed: true, summary: 'exit 0', output: '3 passed' });
    expect(executed).toEqual(['npm test']);
  });

  it('fails on any other exit with what the command printed on both streams', async () => {
    const { check } = checkAnswering(execResult({ exitCode: 1, stdout: '2 passed', stderr: '1 failed' }));
    expect(await check.run()).toEqual({ passed: false, summary: 'exit 1', output: '2 passed\n1 failed' });
  });

  it('fails on a timeout even when the exit code says 0, and on a kill by a signal', async () => {
    expect(await checkAnswering(execResult({ timedOut: true })).check.run()).toMatchObject({
      passed: false,
      summary: 'timed out',
    });
    expect(await checkAnswering(execResult({ exitCode: null, signal: 'SIGKILL' })).check.run()).toMatchObject(
      {
        passed: false,
        summary: 'exit null',
      },
    );
  });

  it('cuts a flood of output to the limit and says so', async () => {
    const { check } = checkAnswering(execResult({ exitCode: 1, stdout: 'x'.repeat(5000) }), 100);
    const { output } = await check.run();
    expect(output).toMatch(/^x{60}\n\[… 4900 characters cut of 5000; .*\]\nx{40}$/);
  });
});
