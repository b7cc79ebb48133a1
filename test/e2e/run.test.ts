import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const shell = (command: string, extra: Record<string, unknown> = {}) => ({
  tool_calls: [{ name: 'shell', input: { command, ...extra } }],
  usage: { input_tokens: 1000, output_tokens: 50 },
});
const done = { text: 'done', usage: { input_tokens: 1000, output_tokens: 10 } };

describe('warden run contracts', () => {
  const work = scratch('run');
  let repo: string;
  const home = () => ['--data-dir', path.join(work.dir, 'home')];
  const run = (script: { model?: string; turns: unknown[] }, ...extra: string[]) =>
    runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      'do it',
      '--model',
      `scripted:${writeScript(work.dir, script, `script-${Math.random().toString(36).slice(2)}.json`)}`,
      '--json',
      ...home(),
      ...extra,
    ]);
  const trace = async (taskId: string) =>
    JSON.parse((await runWarden(['trace', taskId, '--json', ...home()])).stdout) as Array<
      Record<string, unknown>
    >;

  beforeAll(() => {
    repo = makeRepo(path.join(work.dir, 'repo'), {
      'README.md': '# hello\n',
      'data.bin': Buffer.from([0, 1, 2, 255]),
    });
  });
  afterAll(work.cleanup);

  it('prints the documented JSON and makes a branch with the change', async () => {
    const result = await run({
      model: 'openai:gpt-5.4-mini',
      turns: [
        { tool_calls: [{ name: 'write_file', input: { path: 'notes/todo.md', content: 'ship it\n' } }] },
        done,
      ],
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    for (const key of ['taskId', 'status', 'branch', 'steps', 'costUsd', 'stopReason'])
      expect(report).toHaveProperty(key);
    // The repository has no test command: the model's word alone is not a success.
    expect(report).toMatchObject({
      status: 'unverified',
      steps: 2,
      stopReason: 'finished',
      verification: 'none',
    });
    expect(git(repo, 'show', `${report.branch}:notes/todo.md`)).toBe('ship it');
  });

  it('reports the share of input tokens the task read from the prompt cache', async () => {
    const result = await run({
      model: 'anthropic:claude-sonnet-4-6',
      turns: [
        {
          tool_calls: [{ name: 'list_files', input: {} }],
          usage: { input_tokens: 1000, output_tokens: 20, cache_creation_input_tokens: 3000 },
        },
        { text: 'done', usage: { input_tokens: 200, output_tokens: 10, cache_read_input_tokens: 3800 } },
      ],
    });
    expect(result.code, result.stderr).toBe(0);
    // 3 800 cached of 1 000 + 3 000 + 200 + 3 800 input tokens.
    expect(JSON.parse(result.stdout).cacheHitRatio).toBeCloseTo(3800 / 8000, 10);
  });

  it('exits 2 on an unknown flag, a missing repository and a directory that is not git', async () => {
    const unknown = await runWarden(['run', '--repo', repo, '--task', 'x', '--frobnicate', ...home()]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/frobnicate/);
    const missing = await runWarden([
      'run',
      '--repo',
      path.join(work.dir, 'nope'),
      '--task',
      'x',
      '--model',
      'scripted:x',
      ...home(),
    ]);
    expect(missing.code).toBe(2);
    const plain = scratch('plain');
    const notGit = await runWarden([
      'run',
      '--repo',
      plain.dir,
      '--task',
      'x',
      '--model',
      `scripted:${writeScript(work.dir, { turns: [done] })}`,
      ...home(),
    ]);
    plain.cleanup();
    expect(notGit.code).toBe(2);
    expect(notGit.stderr).toMatch(/not a git/i);
  });

  it('names the missing key variable and every bad config field', async () => {
    const keyless = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      'x',
      '--model',
      'anthropic:claude-opus-4-7',
      ...home(),
    ]);
    expect(keyless.code).toBe(2);
    expect(keyless.stderr).toContain('ANTHROPIC_API_KEY');
    const config = path.join(work.dir, 'bad.yaml');
    writeFileSync(config, 'budget:\n  maxUsd: cheap\nsandbox:\n  commandTimeoutMs: 0\n');
    const bad = await runWarden(['run', '--repo', repo, '--task', 'x', '--config', config, ...home()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('budget.maxUsd');
    expect(bad.stderr).toContain('sandbox.commandTimeoutMs');
  });

  it('rejects a malformed scripted file with exit 2 and fails clearly when the script runs out', async () => {
    const malformed = path.join(work.dir, 'broken.json');
    writeFileSync(malformed, '{"turns": [{"tool_calls": [{"input": {}}]}]}');
    const bad = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      'x',
      '--model',
      `scripted:${malformed}`,
      ...home(),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/turns\.0\.tool_calls\.0\.name/);
    const short = await run({ turns: [shell('true')] });
    expect(short.code).toBe(1);
    expect(JSON.parse(short.stdout)).toMatchObject({ status: 'failed', stopReason: 'error' });
    expect(JSON.parse(short.stdout).detail).toMatch(/turn/);
  });

  it('stops with exit 3 at max steps and before a call that could pass the budget', async () => {
    const steps = await run({ turns: [shell('true'), shell('echo 2'), done] }, '--max-steps', '1');
    expect(steps.code).toBe(3);
    expect(JSON.parse(steps.stdout)).toMatchObject({ status: 'stopped', stopReason: 'max-steps', steps: 1 });

    const poor = await run(
      { model: 'openai:gpt-5.4-pro', turns: [shell('true'), done] },
      '--max-usd',
      '0.01',
    );
    expect(poor.code).toBe(3);
    const report = JSON.parse(poor.stdout);
    expect(report).toMatchObject({ status: 'stopped', stopReason: 'budget', costUsd: 0 });
    const events = await trace(report.taskId);
    expect(events.filter((event) => event.type === 'model-response')).toHaveLength(0);
    expect(events.some((event) => event.type === 'budget-exceeded')).toBe(true);
  });

  it('stops a loop as stuck', async () => {
    const result = await run({ turns: Array.from({ length: 10 }, () => shell('ls')) });
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ stopReason: 'stuck', steps: 4 });
  });

  it('returns bad tool input, escapes and failures to the model and goes on', async () => {
    const result = await run({
      turns: [
        { tool_calls: [{ name: 'read_file', input: { file: 'README.md' } }] },
        { tool_calls: [{ name: 'read_file', input: { path: '../../etc/passwd' } }] },
        { tool_calls: [{ name: 'write_file', input: { path: '.git/hooks/pre-commit', content: 'evil' } }] },
        { tool_calls: [{ name: 'read_file', input: { path: 'data.bin' } }] },
        { tool_calls: [{ name: 'teleport', input: {} }] },
        done,
      ],
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.branch).toBeNull();
    const ends = (await trace(report.taskId)).filter((event) => event.type === 'tool-call-end');
    expect(ends.map((event) => event.isError)).toEqual([true, true, true, false, true]);
    expect(String(ends[0]!.output)).toMatch(/invalid input for read_file: path/);
    expect(String(ends[1]!.output)).toMatch(/outside the workspace|stay inside the workspace/);
    expect(String(ends[2]!.output)).toMatch(/\.git/);
    expect(String(ends[3]!.output)).toMatch(/binary file/);
  });

  it('kills a command at its timeout and caps an output flood', async () => {
    const result = await run({
      turns: [shell('sleep 30', { timeout_ms: 500 }), shell('yes flood | head -c 5000000'), done],
    });
    expect(result.code).toBe(0);
    const ends = (await trace(JSON.parse(result.stdout).taskId)).filter(
      (event) => event.type === 'tool-call-end',
    );
    expect(String(ends[0]!.output)).toMatch(/timed out after 500 ms/);
    expect(Number(ends[0]!.durationMs)).toBeLessThan(10_000);
    expect(String(ends[1]!.output)).toMatch(/output capped: stdout was 5000000 bytes/);
    expect(Number(ends[1]!.outputChars)).toBeLessThan(1_100_000);
  });

  it('works from HEAD on a dirty tree, says so, and leaves the uncommitted change alone', async () => {
    writeFileSync(path.join(repo, 'README.md'), '# local edit\n');
    const result = await run({ turns: [shell('cat README.md'), done] });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.workedFromHead).toBe(true);
    const ends = (await trace(report.taskId)).filter((event) => event.type === 'tool-call-end');
    expect(String(ends[0]!.output)).toContain('# hello');
    expect(git(repo, 'status', '--porcelain')).toBe('M README.md');
    git(repo, 'checkout', 'README.md');
  });
});
