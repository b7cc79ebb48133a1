import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

describe('bad input gets a clear error and loses nothing', { timeout: 60_000 }, () => {
  const work = scratch('bad-input');
  let repo: string;
  const home = () => path.join(work.dir, 'home');
  beforeAll(() => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
  });
  afterAll(work.cleanup);

  it('refuses a data directory that cannot be made (under /proc, under a file) instead of hanging', async () => {
    for (const dataDir of ['/proc/nope', path.join(repo, 'README.md', 'home')]) {
      const result = await runWarden(['tasks', '--data-dir', dataDir], { timeoutMs: 20_000 });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/cannot use .* as Warden's data directory/);
      expect(result.stderr).toMatch(/--data-dir/);
    }
  });

  it('refuses an unknown model after the workspace was started, and leaves no workspace behind', async () => {
    const dataDir = path.join(work.dir, 'bad-model-home');
    const result = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      't',
      '--model',
      'nosuch:model',
      '--data-dir',
      dataDir,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"nosuch" is not a known provider');
    const left = readdirSync(path.join(dataDir, 'scratch')).filter((name) => !name.startsWith('.'));
    expect(left).toEqual([]);
  });

  it('refuses a fractional --max-steps', async () => {
    const result = await runWarden(['run', '--repo', repo, '--task', 't', '--max-steps', '2.5']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--max-steps must be a whole number/);
  });

  it('never shows the model where the workspace lives on the host', async () => {
    const script = writeScript(work.dir, {
      turns: [
        { tool_calls: [{ name: 'write_file', input: { path: 'README.md/x', content: 'x' } }] },
        { tool_calls: [{ name: 'list_files', input: { path: 'README.md' } }] },
        { text: 'done' },
      ],
    });
    const run = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      'paths',
      '--model',
      `scripted:${script}`,
      '--data-dir',
      home(),
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const { taskId } = JSON.parse(run.stdout);
    const trace = await runWarden(['trace', taskId, '--json', '--data-dir', home()]);
    const outputs = (JSON.parse(trace.stdout) as Array<Record<string, unknown>>)
      .filter((event) => event.type === 'tool-call-end')
      .map((event) => String(event.output));
    expect(outputs).toHaveLength(2);
    for (const output of outputs) {
      expect(output).toMatch(/failed|not a directory/);
      expect(output).not.toContain(home());
      expect(output).not.toContain(work.dir);
    }
  });
});
