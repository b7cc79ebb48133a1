import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBubblewrapDriver } from '../../src/sandbox/bubblewrap-driver.ts';
import { runGit } from '../../src/sandbox/git.ts';
import { createWorkspace } from '../../src/sandbox/workspace.ts';
import { ENV } from '../../src/spec/env.ts';

const bubblewrapInstalled = spawnSync('bwrap', ['--version']).status === 0;

if (!bubblewrapInstalled && process.env[ENV.ci] === 'true') {
  it('bubblewrap is installed (required in CI)', () => {
    throw new Error('bwrap is not on PATH; CI must run the hostile suite (apt-get install bubblewrap)');
  });
}

/**
 * A `GIT_INDEX_FILE` set for the sandbox applies to every repository git touches: a nested repository
 * would read and write the workspace's index, fail to commit ("invalid object … Error building trees")
 * and leave that index corrupt.
 */
describe.skipIf(!bubblewrapInstalled)(
  'hostile: a nested repository the agent makes in the workspace',
  { timeout: 120_000 },
  () => {
    let root: string;
    let repo: string;

    beforeAll(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), 'warden-hostile-nested-'));
      repo = path.join(root, 'user-repo');
      await mkdir(path.join(repo, 'lib'), { recursive: true });
      const git = (...args: string[]) => runGit(args, { cwd: repo });
      await git('init', '--quiet', '--initial-branch=main');
      await writeFile(path.join(repo, 'README.md'), 'hi\n');
      await writeFile(path.join(repo, 'lib', 'app.js'), 'console.log("app");\n');
      await git('add', '.');
      await git('-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '--quiet', '-m', 'initial');
    });

    afterAll(async () => {
      await rm(root, { recursive: true, force: true });
    });

    it('commits in its own index, and git status of the workspace still works', async () => {
      const workspace = await createWorkspace({
        repo,
        scratchDir: path.join(root, 'scratch'),
        taskId: 'task-nested',
      });
      await workspace.ready;
      const indexFile = path.join(workspace.dir, '.git', 'index');
      const index = await readFile(indexFile);
      const sandbox = await createBubblewrapDriver().create({ workspaceDir: workspace.dir });
      const options = { timeoutMs: 60_000, maxOutputBytes: 65_536 };
      try {
        expect((await sandbox.exec('env', options)).stdout).not.toMatch(/^GIT_INDEX_FILE=/m);
        const nested = await sandbox.exec(
          'mkdir sub && cd sub && git init -q && echo x > f && git add f && ' +
            'git -c user.name=a -c user.email=a@a commit -q -m x && git log --format=%s && git ls-files',
          options,
        );
        expect(nested, nested.stderr).toMatchObject({ exitCode: 0, stdout: 'x\nf\n' });
        const status = await sandbox.exec('git status --porcelain', options);
        expect(status, status.stderr).toMatchObject({ exitCode: 0, stdout: '?? sub/\n' });
      } finally {
        await sandbox.destroy();
      }
      // The workspace's index is Warden's alone: the nested commit neither wrote nor corrupted it.
      expect(await readFile(indexFile)).toEqual(index);
      const hostStatus = await runGit(['status', '--porcelain'], { cwd: workspace.dir });
      expect(hostStatus.stdout).toBe('?? sub/\n');
      await workspace.destroy();
    });
  },
);
