import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

/**
 * Success is verified: through the real `warden run` (scripted models, real bubblewrap, git and SQLite),
 * a task succeeds only when the repository's check ran in the sandbox and passed on its change.
 */
const writeFile = (file: string, content: string) => ({
  tool_calls: [{ name: 'write_file', input: { path: file, content } }],
  usage: { input_tokens: 1000, output_tokens: 50 },
});
const done = { text: 'done, the tests pass now', usage: { input_tokens: 1000, output_tokens: 10 } };

const SUM_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sum } from '../src/sum.js';

test('sum adds', () => assert.equal(sum(1, 2), 3));
`;
const BROKEN_SUM = 'export const sum = (a, b) => a - b;\n';
const FIXED_SUM = 'export const sum = (a, b) => a + b;\n';
const nodeRepository = (sum: string) => ({
  'package.json': JSON.stringify({
    name: 'sum',
    private: true,
    type: 'module',
    scripts: { test: 'node --test' },
  }),
  'src/sum.js': sum,
  'test/sum.test.js': SUM_TEST,
});

describe('verified outcomes (real CLI)', () => {
  const work = scratch('verify');
  const home = () => path.join(work.dir, 'home');
  let broken: string;
  let fixed: string;
  let plain: string;
  let make: string;
  const run = async (repo: string, turns: unknown[], extra: string[] = []) => {
    const script = writeScript(
      work.dir,
      { model: 'openai:gpt-5.4-mini', turns },
      `script-${Math.random().toString(36).slice(2)}.json`,
    );
    const result = await runWarden(
      [
        'run',
        '--repo',
        repo,
        '--task',
        'make the tests pass',
        '--model',
        `scripted:${script}`,
        '--data-dir',
        home(),
        ...extra,
      ],
      { timeoutMs: 120_000 },
    );
    return result;
  };
  const runJson = async (repo: string, turns: unknown[], extra: string[] = []) => {
    const result = await run(repo, turns, ['--json', ...extra]);
    return { ...result, report: JSON.parse(result.stdout || '{}') };
  };
  const trace = async (taskId: string) =>
    JSON.parse((await runWarden(['trace', taskId, '--json', '--data-dir', home()])).stdout) as Array<
      Record<string, unknown>
    >;

  beforeAll(() => {
    broken = makeRepo(path.join(work.dir, 'broken'), nodeRepository(BROKEN_SUM));
    fixed = makeRepo(path.join(work.dir, 'fixed'), nodeRepository(FIXED_SUM));
    plain = makeRepo(path.join(work.dir, 'plain'), { 'README.md': '# notes\n' });
    make = makeRepo(path.join(work.dir, 'make'), {
      Makefile: 'test:\n\ttest -f DONE\n',
      'README.md': '# m\n',
    });
  });
  afterAll(work.cleanup);

  it("succeeds when the repository's own test script, found and run in the sandbox, passes on the change", async () => {
    const { code, report, stderr } = await runJson(broken, [writeFile('src/sum.js', FIXED_SUM), done]);
    expect(code, stderr).toBe(0);
    expect(report).toMatchObject({
      status: 'succeeded',
      verification: 'passed',
      check: { command: 'npm test', source: 'package.json scripts.test' },
    });
    expect(git(broken, 'show', `${report.branch}:src/sum.js`)).toBe(FIXED_SUM.trim());
    const events = await trace(report.taskId);
    const check = events.find((event) => event.type === 'check');
    // npm really ran node's test runner inside the sandbox.
    expect(check).toMatchObject({ check: 'npm test', passed: true });
    expect(String(check?.output)).toMatch(/pass 1\s+\S+ fail 0/);
    expect(events.find((event) => event.type === 'workspace-ready')).toMatchObject({
      check: { command: 'npm test', source: 'package.json scripts.test' },
    });
  });

  it('fails a task whose tests still fail, however sure the model is', async () => {
    const { code, report } = await runJson(broken, [done]);
    expect(code).toBe(1);
    expect(report).toMatchObject({ status: 'failed', stopReason: 'check-failed', verification: 'failed' });
    const text = await runWarden(['trace', report.taskId, '--data-dir', home()]);
    expect(text.stdout).toMatch(/failed \(check-failed\), verification failed: npm test failed: exit 1/);
  });

  it('ends unverified, exit 0, when the check is turned off, and says so on the terminal', async () => {
    const config = path.join(work.dir, 'no-check.json');
    writeFileSync(config, JSON.stringify({ agent: { check: 'none' } }));
    const { code, stdout } = await run(
      broken,
      [writeFile('src/sum.js', FIXED_SUM), done],
      ['--config', config],
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/: unverified \(finished\)/);
    expect(stdout).toMatch(/verification: none — no check ran, the result is UNVERIFIED/);
  });

  it('ends unverified when the repository has no test command to find', async () => {
    const { code, report } = await runJson(plain, [writeFile('notes.md', 'x\n'), done]);
    expect(code).toBe(0);
    expect(report).toMatchObject({ status: 'unverified', verification: 'none', check: null });
    expect(report.detail).toMatch(/no check ran/);
  });

  it('calls a task that changed nothing while the check passes on the base commit already done, not a fix', async () => {
    const { code, report } = await runJson(fixed, [done]);
    expect(code).toBe(0);
    expect(report).toMatchObject({ status: 'already-done', verification: 'passed', branch: null });
  });

  it('runs a Makefile test target in the sandbox', async () => {
    const { code, report, stderr } = await runJson(make, [writeFile('DONE', 'yes\n'), done]);
    expect(code, stderr).toBe(0);
    expect(report).toMatchObject({
      status: 'succeeded',
      verification: 'passed',
      check: { command: 'make test', source: 'Makefile test target' },
    });
  });

  it('counts only verified successes in warden cost, and says how many were unverified', async () => {
    const cost = await runWarden(['cost', '--json', '--data-dir', home()]);
    const report = JSON.parse(cost.stdout);
    // Six tasks: two verified successes, one failure, two unverified, one already done.
    expect(report).toMatchObject({ tasks: 6, succeeded: 2, unverified: 2 });
    expect(report.costPerSuccessUsd).toBeCloseTo(report.spendUsd / 2, 12);
    const text = await runWarden(['cost', '--data-dir', home()]);
    expect(text.stdout).toMatch(/6 \(2 succeeded, 2 unverified;/);
  });

  it('does not count a check the agent rewrote to pass: the test script counts as the repository defined it', async () => {
    const rewritten = JSON.stringify({
      name: 'sum',
      private: true,
      type: 'module',
      scripts: { test: 'exit 0' },
    });
    const { code, report } = await runJson(broken, [writeFile('package.json', rewritten), done]);
    expect(code).toBe(1);
    expect(report).toMatchObject({ status: 'failed', stopReason: 'check-failed', verification: 'failed' });
    expect(report.detail).toMatch(/package\.json scripts\.test changed/);
  });

  it('tells a verified fix from work already done without a branch too (--no-branch)', async () => {
    const unchanged = await runJson(fixed, [done], ['--no-branch']);
    expect(unchanged.report).toMatchObject({ status: 'already-done', verification: 'passed' });
    const changed = await runJson(broken, [writeFile('src/sum.js', FIXED_SUM), done], ['--no-branch']);
    expect(changed.report).toMatchObject({ status: 'succeeded', verification: 'passed', branch: null });
  });
});
