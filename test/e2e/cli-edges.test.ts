import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** The command line where users poke at it: versions, typos, positional arguments, error prefixes. */
describe('the command line at its edges', { timeout: 180_000 }, () => {
  const work = scratch('cli-edges');
  afterAll(work.cleanup);

  it('`warden run --repo` a folder inside a repository exits 2 naming the root; nothing runs', async () => {
    const repo = makeRepo(path.join(work.dir, 'repo'), { 'examples/demo/README.md': '# demo\n' });
    const script = writeScript(work.dir, { turns: [{ text: 'done' }] });
    const home = path.join(work.dir, 'home');
    const result = await runWarden([
      'run',
      '--repo',
      path.join(repo, 'examples', 'demo'),
      '--task',
      'fix it',
      '--model',
      `scripted:${script}`,
      '--data-dir',
      home,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`is a folder inside the git repository ${repo}, not its root`);
    expect(result.stderr).toContain(`--repo ${repo}`);
    expect(result.stdout).toBe('');
    const tasks = await runWarden(['tasks', '--json', '--data-dir', home]);
    expect(JSON.parse(tasks.stdout)).toEqual([]);
    const file = await runWarden([
      'run',
      '--repo',
      path.join(repo, 'examples', 'demo', 'README.md'),
      '--task',
      'x',
    ]);
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/is a file, not a repository/);
  });

  it('`warden --version` and `-v` print the package version', async () => {
    for (const flag of ['--version', '-v', 'version']) {
      const result = await runWarden([flag]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(`warden ${VERSION}\n`);
    }
  });

  it('prints an error with one prefix, then how the command is called', async () => {
    const result = await runWarden(['run', '--task', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^warden run: --repo DIR is required\n/);
    expect(result.stderr.match(/warden run:/g)).toHaveLength(1);
    expect(result.stderr).toContain('usage: warden run --repo DIR --task TEXT [options]');
    const bad = await runWarden(['run', '--repo', '.', '--task', 'x', '--max-steps', '2.5']);
    expect(bad.stderr).toMatch(/^warden run: --max-steps must be a whole number, got "2.5"\n/);
  });

  it("says an unknown flag in Warden's words, with the command's options and usage", async () => {
    const result = await runWarden(['run', '--repo', '.', '--tsk', 'fix it']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^warden run: unknown option --tsk; did you mean --task\?; the options are .*--repo/,
    );
    expect(result.stderr).toContain('usage: warden run --repo DIR --task TEXT [options]');
    expect(result.stderr).not.toMatch(/To specify a positional argument|ERR_PARSE_ARGS/);
    const missing = await runWarden(['tasks', '--limit']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^warden tasks: --limit needs a value, as in --limit VALUE\n/);
    const valued = await runWarden(['tasks', '--json=yes']);
    expect(valued.stderr).toMatch(/^warden tasks: --json takes no value\n/);
  });

  it('`warden policy explain COMMAND` explains a shell call; --tool/--input still work', async () => {
    const positional = await runWarden(['policy', 'explain', 'rm -rf /', '--json']);
    expect(positional.code, positional.stderr).toBe(0);
    expect(JSON.parse(positional.stdout)).toMatchObject({ decision: 'deny' });
    const flags = await runWarden([
      'policy',
      'explain',
      '--tool',
      'shell',
      '--input',
      '{"command":"rm -rf /"}',
      '--json',
    ]);
    expect(JSON.parse(flags.stdout)).toEqual(JSON.parse(positional.stdout));
    const both = await runWarden(['policy', 'explain', 'ls', '--tool', 'shell']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/a COMMAND or --tool and --input, not both/);
  });
});
