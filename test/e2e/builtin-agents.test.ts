import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const usage = { input_tokens: 1000, output_tokens: 20 };

describe('the built-in fix-ci agent', () => {
  const work = scratch('builtin-agents');
  afterAll(work.cleanup);
  const run = async (name: string, files: Record<string, string>, turns: unknown[]) => {
    // The built-in agent's check is `auto`: the repository's own test script.
    const scripts = JSON.stringify({ name, private: true, scripts: { test: 'sh check.sh' } });
    const repo = makeRepo(path.join(work.dir, name), { ...files, 'package.json': scripts });
    const config = path.join(work.dir, `${name}.yaml`);
    writeFileSync(config, 'agent:\n  check: none\n');
    const script = writeScript(work.dir, { model: 'anthropic:claude-haiku-4-5', turns }, `${name}.json`);
    const result = await runWarden([
      'run',
      '--agent',
      'fix-ci',
      '--repo',
      repo,
      '--task',
      'CI (test) failed on branch main',
      '--model',
      `scripted:${script}`,
      '--config',
      config,
      '--data-dir',
      path.join(work.dir, `home-${name}`),
      '--json',
    ]);
    return { code: result.code, report: JSON.parse(result.stdout), stderr: result.stderr };
  };

  it('reports a failure that does not reproduce as flaky, without calling the model or changing anything', async () => {
    const { report } = await run('flaky', { 'check.sh': 'exit 0\n' }, [{ text: 'never asked', usage }]);
    expect(report).toMatchObject({ status: 'not-actionable', steps: 0, branch: null, pattern: 'pipeline' });
    expect(report.detail).toBe(
      'stage reproduce: `npm test` exited 0, not exit-nonzero: flaky, not fixed (the check passes here with no change, so the failure did not reproduce)',
    );
  });

  it('fixes a failure that reproduces, verified by the same check', async () => {
    const { code, report } = await run(
      'broken',
      { 'value.txt': 'broken\n', 'check.sh': 'grep -q fixed value.txt\n' },
      [
        { tool_calls: [{ name: 'write_file', input: { path: 'value.txt', content: 'fixed\n' } }], usage },
        { text: 'fixed', usage },
      ],
    );
    expect(code).toBe(0);
    expect(report).toMatchObject({ status: 'succeeded', verification: 'passed', steps: 2 });
    expect(report.children.map((child: { id: string; status: string }) => [child.id, child.status])).toEqual([
      ['stage:reproduce', 'passed'],
      ['stage:fix', 'passed'],
    ]);
  });
});
