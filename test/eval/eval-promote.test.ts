import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSuite } from '../../src/eval/index.ts';
import type { PromotedInstance } from '../../src/warden/index.ts';
import { git, makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

/**
 * `warden eval promote` through the real command line: tasks run with a scripted model on a real git
 * repository (their check really runs in the sandbox), promoted from the real store.
 */
const done = { text: 'done, the tests pass now', usage: { input_tokens: 1000, output_tokens: 10 } };
const writeFile = (file: string, content: string) => ({
  tool_calls: [{ name: 'write_file', input: { path: file, content } }],
  usage: { input_tokens: 1000, output_tokens: 50 },
});
const SUM_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sum } from '../src/sum.js';

test('sum adds', () => assert.equal(sum(1, 2), 3));
`;
const BROKEN_SUM = 'export const sum = (a, b) => a - b;\n';
const FIXED_SUM = 'export const sum = (a, b) => a + b;\n';

type Instance = PromotedInstance;

describe('warden eval promote', () => {
  const work = scratch('promote');
  const home = () => ['--data-dir', path.join(work.dir, 'home')];
  let repo: string;
  let base: string;
  const runTask = async (turns: unknown[], task: string) => {
    const script = writeScript(
      work.dir,
      { model: 'openai:gpt-5.4-mini', turns },
      `script-${Math.random().toString(36).slice(2)}.json`,
    );
    const result = await runWarden(
      ['run', '--repo', repo, '--task', task, '--model', `scripted:${script}`, '--json', ...home()],
      { timeoutMs: 120_000 },
    );
    return JSON.parse(result.stdout) as { taskId: string; status: string };
  };
  const promote = (...args: string[]) => runWarden(['eval', 'promote', ...args, ...home()]);
  const lines = (file: string) =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Instance);
  const commit = (message: string, files: Record<string, string>) => {
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(repo, name), content);
    execFileSync(
      'git',
      ['-c', 'user.name=Human', '-c', 'user.email=human@example.com', 'commit', '-qam', message],
      {
        cwd: repo,
      },
    );
    return git(repo, 'rev-parse', 'HEAD');
  };

  beforeAll(() => {
    repo = makeRepo(path.join(work.dir, 'sum'), {
      'package.json': JSON.stringify({
        name: 'sum',
        private: true,
        type: 'module',
        scripts: { test: 'node --test' },
      }),
      'src/sum.js': BROKEN_SUM,
      'test/sum.test.js': SUM_TEST,
    });
    base = git(repo, 'rev-parse', 'HEAD');
  });
  afterAll(work.cleanup);

  it('turns a failed task and the human fix named by --fix into an instance a suite reads', async () => {
    const task = await runTask([done], 'make sum add');
    expect(task.status).toBe('failed');
    const fix = commit('fix sum, and test more', {
      'src/sum.js': FIXED_SUM,
      'test/sum.test.js': `${SUM_TEST}test('sum adds negatives', () => assert.equal(sum(-1, -2), -3));\n`,
    });
    const out = path.join(work.dir, 'suites', 'production.jsonl');
    const result = await promote(task.taskId, '--out', out, '--fix', fix);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`warden-${task.taskId} appended to ${out}`);
    expect(result.stdout).toMatch(/FAIL_TO_PASS and PASS_TO_PASS are empty/);
    expect(result.stdout).toMatch(/later step/);
    const [instance] = lines(out);
    expect(instance).toMatchObject({
      instance_id: `warden-${task.taskId}`,
      repo: 'sum',
      base_commit: base,
      problem_statement: 'make sum add',
      FAIL_TO_PASS: [],
      PASS_TO_PASS: [],
      repo_path: repo,
      test_cmd: 'npm test',
      warden_task: task.taskId,
      warden_reason: 'failed',
      warden_fix_commit: fix,
      warden_fix_source: 'option',
      warden_needs_tests: true,
    });
    expect(instance!.patch).toContain('diff --git a/src/sum.js b/src/sum.js');
    expect(instance!.patch).toContain('+export const sum = (a, b) => a + b;');
    expect(instance!.patch).not.toContain('test/sum.test.js');
    expect(instance!.test_patch).toContain('diff --git a/test/sum.test.js b/test/sum.test.js');
    expect(instance!.test_patch).toContain("+test('sum adds negatives'");
    expect(instance!.test_patch).not.toContain('diff --git a/src/sum.js');
    // The patches apply to the base, as `warden eval run` applies them.
    const check = path.join(work.dir, 'apply');
    execFileSync('git', ['worktree', 'add', '--detach', '-q', check, base], { cwd: repo });
    writeFileSync(path.join(work.dir, 'all.diff'), instance!.patch + instance!.test_patch);
    execFileSync('git', ['apply', '--check', path.join(work.dir, 'all.diff')], { cwd: check });
    const [parsed] = parseSuite(readFileSync(out, 'utf8'), out);
    expect(parsed).toMatchObject({
      instanceId: `warden-${task.taskId}`,
      baseCommit: base,
      source: { path: repo },
      testCommand: 'npm test',
      failToPass: [],
    });
    // The harness reads it and applies its gold patches in the sandbox.
    const gold = await runWarden(
      [
        'eval',
        'run',
        '--suite',
        out,
        '--predictions',
        'gold',
        '--out',
        path.join(work.dir, 'gold'),
        '--json',
        ...home(),
      ],
      { timeoutMs: 120_000 },
    );
    expect(gold.code, gold.stderr).toBe(0);
    // Its patches apply, but until its tests are named it cannot be resolved (nor anything else).
    expect(JSON.parse(gold.stdout)).toMatchObject({
      total_instances: 1,
      submitted_instances: 1,
      resolved_ids: [],
      error_ids: [expect.stringMatching(/^warden-/)],
    });
    const [trial] = readdirSync(path.join(work.dir, 'gold', 'trials'));
    expect(
      JSON.parse(readFileSync(path.join(work.dir, 'gold', 'trials', trial!, '1.json'), 'utf8')).error,
    ).toMatch(/names no FAIL_TO_PASS test/);
    // Promoting the same task again is refused: the id is already in the suite.
    const again = await promote(task.taskId, '--out', out, '--fix', fix);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds warden-/);
    expect(lines(out)).toHaveLength(1);
  }, 240_000);

  it('finds the fix in a later commit naming the task, without --fix', async () => {
    const start = git(repo, 'rev-parse', 'HEAD');
    commit('break sum again', { 'src/sum.js': BROKEN_SUM });
    const task = await runTask([done], 'sum is broken again');
    expect(task.status).toBe('failed');
    const fix = commit(`fix sum\n\nWarden-Task: ${task.taskId}`, { 'src/sum.js': FIXED_SUM });
    const out = path.join(work.dir, 'mention.jsonl');
    const result = await promote(task.taskId, '--out', out, '--json');
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout) as { instance: Instance; fix: { source: string } };
    expect(printed.fix).toMatchObject({
      commit: fix,
      source: 'mention',
      codeFiles: ['src/sum.js'],
      testFiles: [],
    });
    expect(lines(out)).toEqual([printed.instance]);
    expect(printed.instance.base_commit).not.toBe(start);
    expect(printed.instance.test_patch).toBe('');
  }, 240_000);

  it('promotes a failed task with no fix yet: empty patches, and says it cannot be evaluated', async () => {
    commit('break sum for a third time', { 'src/sum.js': BROKEN_SUM });
    const task = await runTask([done], 'sum subtracts');
    expect(task.status).toBe('failed');
    const out = path.join(work.dir, 'no-fix.jsonl');
    const result = await promote(task.taskId.slice(0, 20), '--out', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/no human fix exists yet: the instance cannot be evaluated until one does/);
    expect(result.stdout).toMatch(/--fix COMMIT/);
    const [instance] = lines(out);
    expect(instance).toMatchObject({
      patch: '',
      test_patch: '',
      warden_needs_fix: true,
      warden_needs_tests: true,
    });
    expect(instance!.warden_fix_commit).toBeUndefined();
  }, 240_000);

  it('refuses a task that succeeded, and an unknown task', async () => {
    const task = await runTask([writeFile('src/sum.js', FIXED_SUM), done], 'fix sum');
    expect(task.status).toBe('succeeded');
    const out = path.join(work.dir, 'refused.jsonl');
    const refused = await promote(task.taskId, '--out', out);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /cannot be promoted: it ended succeeded \(finished\) and no outcome of a pull request/,
    );
    expect(refused.stderr).toMatch(/promote a task that failed/);
    const unknown = await promote('t19990101-000000-0000', '--out', out);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no task/i);
    expect(() => readFileSync(out)).toThrow();
  }, 240_000);
});
