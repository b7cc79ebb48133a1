import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWarden, scratch } from '../support/cli.ts';

/** `npm start` on a machine without bubblewrap says what the demo needs and how to install it. */
describe('the demo without bubblewrap', { timeout: 120_000 }, () => {
  const work = scratch('demo-no-bwrap');
  afterAll(work.cleanup);

  it('exits 2 naming bubblewrap and the command that installs it, and runs nothing', async () => {
    // A PATH with git and nothing else: bubblewrap is not installed on this "machine".
    const bin = path.join(work.dir, 'bin');
    mkdirSync(bin);
    symlinkSync(
      execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(),
      path.join(bin, 'git'),
    );
    const home = path.join(work.dir, 'home');
    const result = await runWarden(['demo', '--data-dir', home], { env: { PATH: bin } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the demo needs Linux with bubblewrap');
    expect(result.stderr).toContain('sudo apt-get install bubblewrap');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
    const tasks = await runWarden(['tasks', '--json', '--data-dir', home]);
    expect(JSON.parse(tasks.stdout)).toEqual([]);
  });
});
