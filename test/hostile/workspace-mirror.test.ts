import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBubblewrapDriver } from '../../src/sandbox/bubblewrap-driver.ts';
import { runGit } from '../../src/sandbox/git.ts';
import { mirrorGitDir } from '../../src/sandbox/internal/repository-mirror.ts';
import { createWorkspace } from '../../src/sandbox/workspace.ts';
import { ENV } from '../../src/spec/env.ts';

const bubblewrapInstalled = spawnSync('bwrap', ['--version']).status === 0;

if (!bubblewrapInstalled && process.env[ENV.ci] === 'true') {
  it('bubblewrap is installed (required in CI)', () => {
    throw new Error('bwrap is not on PATH; CI must run the hostile suite (apt-get install bubblewrap)');
  });
}

/** Every file under `dir` with a digest of its content, and the inode of each file. */
async function snapshot(dir: string): Promise<{ files: Record<string, string>; inodes: Set<string> }> {
  const files: Record<string, string> = {};
  const inodes = new Set<string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, file)] = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    const info = await lstat(file);
    inodes.add(`${info.dev}:${info.ino}`);
  }
  return { files, inodes };
}

describe.skipIf(!bubblewrapInstalled)(
  "hostile: reaching the repository's mirror from the sandbox",
  {
    timeout: 120_000,
  },
  () => {
    let root: string;
    let repo: string;
    let scratchDir: string;
    let mirrorsDir: string;

    beforeAll(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), 'warden-hostile-mirror-'));
      repo = path.join(root, 'user-repo');
      scratchDir = path.join(root, 'scratch');
      mirrorsDir = path.join(root, 'data', 'mirrors');
      await mkdir(repo);
      const git = (...args: string[]) => runGit(args, { cwd: repo });
      await git('init', '--quiet', '--initial-branch=main');
      await writeFile(path.join(repo, 'app.js'), 'console.log("original");\n');
      await git('add', '.');
      await git('commit', '--quiet', '-m', 'initial');
    });

    afterAll(async () => {
      await rm(root, { recursive: true, force: true });
    });

    it('cannot write, link, repack or prune any object the mirror holds, and later tasks get the true content', async () => {
      const workspace = await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-attacker' });
      const mirror = mirrorGitDir(mirrorsDir, repo);
      const before = await snapshot(mirror);

      const attack = [
        // Through the workspace's own object store: make it writable, append, overwrite, link out of it.
        'chmod -R u+w .git/objects',
        'for f in .git/objects/pack/*; do printf junk >> "$f"; done',
        'for f in .git/objects/pack/*.pack; do printf PACK > "$f"; done',
        'ln .git/objects/pack/*.pack linked.pack && printf junk >> linked.pack',
        'git gc --quiet --prune=now',
        'git repack -a -d -q',
        'git prune',
        // Straight at the mirror's path on the host.
        `touch ${mirror}/planted`,
        `for f in ${mirror}/objects/pack/*; do printf junk >> "$f"; done`,
        `rm -rf ${mirror}/objects`,
        `printf junk > ${mirror}/HEAD`,
      ]
        .map((command) => `(${command}) 2>/dev/null`)
        .join('; ');
      const sandbox = await createBubblewrapDriver().create({ workspaceDir: workspace.dir });
      try {
        const result = await sandbox.exec(`${attack}; echo finished`, {
          timeoutMs: 90_000,
          maxOutputBytes: 65_536,
        });
        expect(result.stdout).toContain('finished');
      } finally {
        await sandbox.destroy();
      }

      const after = await snapshot(mirror);
      expect(after.files).toEqual(before.files);
      // No file the workspace holds, or made by linking, is a file of the mirror.
      const workspaceFiles = await snapshot(workspace.dir);
      expect([...workspaceFiles.inodes].filter((inode) => after.inodes.has(inode))).toEqual([]);

      const next = await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-next' });
      expect(await readFile(path.join(next.dir, 'app.js'), 'utf8')).toBe('console.log("original");\n');
      expect((await runGit(['status', '--porcelain'], { cwd: next.dir })).stdout).toBe('');
      expect((await snapshot(mirror)).files).toMatchObject(before.files);
      await workspace.destroy();
      await next.destroy();
    });
  },
);
