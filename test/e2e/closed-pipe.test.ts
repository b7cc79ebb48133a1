import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, runWarden, runWardenIntoClosedPipe, scratch, writeScript } from '../support/cli.ts';

const BIN = fileURLToPath(new URL('../../bin/warden.js', import.meta.url));

/**
 * `warden cost | head -1`: the reader of stdout goes away before the command is done writing. Every
 * command that prints a table ends quietly with status 0: no `EPIPE`, no stack trace.
 */
describe('a closed stdout pipe ends a command quietly', { timeout: 300_000 }, () => {
  const work = scratch('closed-pipe');
  const home = () => path.join(work.dir, 'home');
  let failingTask = '';

  beforeAll(async () => {
    const repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    const run = async (name: string, turns: unknown[]) => {
      const script = writeScript(work.dir, { model: 'anthropic:claude-haiku-4-5', turns }, `${name}.json`);
      const result = await runWarden(
        [
          'run',
          '--repo',
          repo,
          '--task',
          name,
          '--model',
          `scripted:${script}`,
          '--data-dir',
          home(),
          '--json',
        ],
        { timeoutMs: 60_000 },
      );
      return JSON.parse(result.stdout) as { taskId: string; status: string };
    };
    // Twenty-four reads of missing files open the task's tool-error breaker: a row for `warden breakers`.
    const reads = Array.from({ length: 6 }, (_, turn) => ({
      tool_calls: Array.from({ length: 4 }, (_, call) => ({
        name: 'read_file',
        input: { path: `missing-${turn}-${call}.txt` },
      })),
      usage: { input_tokens: 1000, output_tokens: 40 },
    }));
    failingTask = (await run('storm', reads)).taskId;
    // A shell call the default bundle asks a human about: a row for `warden approvals`.
    const paused = await run('ask', [{ tool_calls: [{ name: 'shell', input: { command: 'factor 12' } }] }]);
    expect(paused.status).toBe('awaiting_approval');
  });
  afterAll(work.cleanup);

  const commands = () => [
    ['tasks'],
    ['trace', failingTask],
    ['models'],
    ['cost'],
    ['cost', '--by', 'model'],
    ['breakers'],
    ['approvals'],
    ['doctor'],
    ['policy', 'stats'],
    ['policy', 'test'],
    ['policy', 'explain', '--tool', 'shell', '--input', '{"command":"ls"}'],
    ['help'],
  ];

  it('prints to stdout when someone reads it (so the closed pipe below is really written to)', async () => {
    for (const command of commands()) {
      const result = await runWarden([...command, '--data-dir', home()]);
      expect(result.code, `${command.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stdout.length, command.join(' ')).toBeGreaterThan(0);
    }
  });

  it('exits 0 with no EPIPE and no stack trace when nobody reads stdout', async () => {
    for (const command of commands()) {
      const result = await runWardenIntoClosedPipe([...command, '--data-dir', home()]);
      expect(result.stderr, command.join(' ')).not.toMatch(/EPIPE|Error|\n\s+at /);
      expect(result.code, `${command.join(' ')}: ${result.stderr}`).toBe(0);
    }
  });

  it('`warden cost | head -1` in a shell exits 0 and prints one line', () => {
    const output = execFileSync(
      'bash',
      ['-o', 'pipefail', '-c', `"${process.execPath}" "${BIN}" cost --data-dir "${home()}" 2>&1 | head -1`],
      { encoding: 'utf8' },
    );
    expect(output).toMatch(/^period\s+everything/);
    expect(output.trim().split('\n')).toHaveLength(1);
  });
});
