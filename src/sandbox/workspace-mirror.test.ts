import { createHash } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runGit } from './git.ts';
import { mirrorGitDir } from './internal/repository-mirror.ts';
import { createWorkspace, reopenWorkspace } from './workspace.ts';

let root: string;
let repo: string;
let scratchDir: string;
let mirrorsDir: string;

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await runGit(args, { cwd })).stdout.trim();
}

/** Git on the mirror, a bare repository, named outright. */
async function mirrorGit(...args: string[]): Promise<string> {
  const gitDir = mirrorGitDir(mirrorsDir, repo);
  return (await runGit(args, { cwd: gitDir, env: { GIT_DIR: gitDir } })).stdout.trim();
}

async function commitFile(name: string, content: string): Promise<string> {
  await writeFile(path.join(repo, name), content);
  await git(repo, 'add', name);
  await git(repo, 'commit', '--quiet', '-m', `write ${name}`);
  return await git(repo, 'rev-parse', 'HEAD');
}

/** Every file under `dir`, relative, with a digest of its content (`null` for a directory). */
async function tree(dir: string): Promise<Record<string, string | null>> {
  const listing: Record<string, string | null> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    listing[path.relative(dir, file)] = entry.isFile()
      ? createHash('sha256')
          .update(await readFile(file))
          .digest('hex')
      : null;
  }
  return listing;
}

/** The mirror's packs, each as the ids of the objects it holds. */
async function mirrorPackContents(): Promise<string[][]> {
  const packDir = path.join(mirrorGitDir(mirrorsDir, repo), 'objects', 'pack');
  const packs: string[][] = [];
  for (const name of (await readdir(packDir)).filter((file) => file.endsWith('.idx'))) {
    const { stdout } = await runGit(['show-index'], {
      cwd: packDir,
      input: await readFile(path.join(packDir, name)),
    });
    packs.push(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split(' ')[1] ?? ''),
    );
  }
  return packs;
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'warden-mirror-'));
  repo = path.join(root, 'user-repo');
  scratchDir = path.join(root, 'scratch');
  mirrorsDir = path.join(root, 'data', 'mirrors');
  await mkdir(repo);
  await git(repo, 'init', '--quiet', '--initial-branch=main');
  await mkdir(path.join(repo, 'src'));
  await writeFile(path.join(repo, 'src', 'app.js'), 'console.log(1);\n');
  await git(repo, 'add', 'src');
  await commitFile('README.md', 'hello\n');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("a repository's mirror", () => {
  test('is made on first use and then fetches only what is new; a later task sees the new commit', async () => {
    const first = await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-1' });
    const packsAfterFirst = await mirrorPackContents();
    expect(packsAfterFirst).toHaveLength(1);

    const head = await commitFile('README.md', 'hello again\n');
    const second = await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-2' });
    expect(second.baseCommit).toBe(head);
    expect(await readFile(path.join(second.dir, 'README.md'), 'utf8')).toBe('hello again\n');
    expect(await readFile(path.join(first.dir, 'README.md'), 'utf8')).toBe('hello\n');
    // The second fetch brought the new commit, its tree and the new README, nothing already there.
    const packs = await mirrorPackContents();
    expect(packs).toHaveLength(2);
    const newPack = packs.find((pack) => !packsAfterFirst.some((old) => old.join() === pack.join()));
    expect(newPack?.sort()).toEqual(
      [
        head,
        await git(repo, 'rev-parse', 'HEAD^{tree}'),
        await git(repo, 'rev-parse', 'HEAD:README.md'),
      ].sort(),
    );

    // Nothing new: nothing is fetched.
    const third = await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-3' });
    expect(third.baseCommit).toBe(head);
    expect(await mirrorPackContents()).toHaveLength(2);
    expect(await git(third.dir, 'status', '--porcelain')).toBe('');
    for (const workspace of [first, second, third]) await workspace.destroy();
  });

  test('leaves the user repository exactly as it was: no new file, object, ref or config', async () => {
    await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-first' });
    await commitFile('README.md', 'changed\n');
    const before = await tree(repo);
    const workspace = await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-look' });
    expect(await tree(repo)).toEqual(before);
    await workspace.destroy();
  });

  test('gives the workspace copies of its objects: no file of the workspace is a file of the mirror', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-own' });
    const mirrorInodes = new Set<string>();
    const mirror = mirrorGitDir(mirrorsDir, repo);
    for (const name of Object.keys(await tree(mirror))) {
      const info = await lstat(path.join(mirror, name));
      if (info.isFile()) mirrorInodes.add(`${info.dev}:${info.ino}`);
    }
    for (const name of Object.keys(await tree(workspace.dir))) {
      const info = await lstat(path.join(workspace.dir, name));
      if (!info.isFile()) continue;
      expect(mirrorInodes.has(`${info.dev}:${info.ino}`), name).toBe(false);
      expect(info.nlink, name).toBe(1);
    }
    await expect(stat(path.join(workspace.dir, '.git', 'objects', 'info', 'alternates'))).rejects.toThrow();
    await workspace.destroy();
  });

  test('serves two workspaces made at once, on a mirror neither had yet', async () => {
    const head = await git(repo, 'rev-parse', 'HEAD');
    const workspaces = await Promise.all(
      ['task-a', 'task-b', 'task-c'].map((taskId) =>
        createWorkspace({ repo, scratchDir, mirrorsDir, taskId }),
      ),
    );
    for (const workspace of workspaces) {
      expect(workspace.baseCommit).toBe(head);
      expect(await readFile(path.join(workspace.dir, 'src', 'app.js'), 'utf8')).toBe('console.log(1);\n');
      expect(await git(workspace.dir, 'status', '--porcelain')).toBe('');
    }
    // One mirror, and no half-made one left beside it.
    expect(await readdir(mirrorsDir)).toEqual([path.basename(mirrorGitDir(mirrorsDir, repo))]);
    for (const workspace of workspaces) await workspace.destroy();
  });

  test('is not wedged by what a killed process leaves: ref locks, temporary and unindexed packs', async () => {
    await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-before' });
    const mirror = mirrorGitDir(mirrorsDir, repo);
    const taskRefs = path.join(mirror, 'refs', 'warden', 'tasks');
    const staleLock = path.join(taskRefs, 'task-killed.lock');
    await writeFile(staleLock, `${'0'.repeat(40)}\n`);
    const longAgo = new Date(Date.now() - 24 * 3_600_000);
    await utimes(staleLock, longAgo, longAgo);
    await writeFile(path.join(mirror, 'packed-refs.lock'), '');
    await writeFile(path.join(mirror, 'objects', 'pack', 'tmp_pack_Xy12ab'), 'half a pack');
    await writeFile(path.join(mirror, 'objects', 'pack', `pack-${'ab'.repeat(20)}.pack`), 'PACK no index');

    const head = await commitFile('README.md', 'after the crash\n');
    const workspace = await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-after' });
    expect(workspace.baseCommit).toBe(head);
    expect(await readFile(path.join(workspace.dir, 'README.md'), 'utf8')).toBe('after the crash\n');
    expect(await git(workspace.dir, 'status', '--porcelain')).toBe('');
    // It went through the mirror (which now holds the new commit), and the stale ref lock is gone.
    expect(await mirrorGit('rev-parse', 'refs/warden/tasks/task-after')).toBe(head);
    await expect(stat(staleLock)).rejects.toThrow();
    await workspace.destroy();
  });

  test.each([
    [
      'a truncated pack',
      async (mirror: string) => {
        const packDir = path.join(mirror, 'objects', 'pack');
        for (const name of (await readdir(packDir)).filter((file) => file.endsWith('.pack'))) {
          await chmod(path.join(packDir, name), 0o644);
          await truncate(path.join(packDir, name), 40);
        }
      },
    ],
    [
      'refs whose objects are gone',
      async (mirror: string) => {
        await rm(path.join(mirror, 'objects', 'pack'), { recursive: true });
        await mkdir(path.join(mirror, 'objects', 'pack'));
      },
    ],
    [
      'a file in its place',
      async (mirror: string) => {
        await rm(mirror, { recursive: true });
        await writeFile(mirror, 'not a repository');
      },
    ],
    [
      'a repository of another kind in its place',
      async (mirror: string) => {
        await rm(mirror, { recursive: true });
        await git(path.dirname(mirror), 'init', '--quiet', mirror);
      },
    ],
  ])(
    'is not trusted blindly: with %s, the workspace is still right and the mirror is rebuilt',
    async (_, damage) => {
      await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-before' });
      const mirror = mirrorGitDir(mirrorsDir, repo);
      await damage(mirror);

      const head = await commitFile('src/app.js', 'console.log(2);\n');
      const workspace = await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-damaged' });
      expect(workspace.baseCommit).toBe(head);
      expect(await readFile(path.join(workspace.dir, 'src', 'app.js'), 'utf8')).toBe('console.log(2);\n');
      expect(await readFile(path.join(workspace.dir, 'README.md'), 'utf8')).toBe('hello\n');
      expect(await git(workspace.dir, 'status', '--porcelain')).toBe('');
      await workspace.destroy();

      // The next task finds a whole mirror holding the commit (rebuilt, or fetched whole again).
      const next = await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-next' });
      expect(next.baseCommit).toBe(head);
      expect(await mirrorGit('rev-parse', '--verify', `${head}^{commit}`)).toBe(head);
      expect(await mirrorGit('fsck', '--no-progress', '--no-dangling')).toBe('');
      expect((await readdir(mirrorsDir)).length).toBe(1);
      await next.destroy();
    },
  );
});

describe("a workspace's git index", () => {
  /** Entries `git status` would re-hash: files whose mtime is not before the index's, in whole seconds. */
  async function racyFiles(workspaceDir: string, indexFile: string): Promise<string[]> {
    const indexSeconds = Math.floor((await stat(indexFile)).mtimeMs / 1000);
    const files = (await git(workspaceDir, 'ls-files', '-z')).split('\0').filter(Boolean);
    const racy: string[] = [];
    for (const name of files) {
      if (Math.floor((await lstat(path.join(workspaceDir, name))).mtimeMs / 1000) >= indexSeconds)
        racy.push(name);
    }
    return racy;
  }

  test('is .git/index, fresh: git status finds everything clean from stat data alone', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-index' });
    await workspace.ready;
    expect(await readdir(path.join(scratchDir, 'task-index'))).toEqual(['repo']);
    expect(await racyFiles(workspace.dir, path.join(workspace.dir, '.git', 'index'))).toEqual([]);
    const { stdout } = await runGit(['status', '--porcelain'], { cwd: workspace.dir });
    expect(stdout).toBe('');
    // A change the agent makes right away is still seen.
    await writeFile(path.join(workspace.dir, 'README.md'), 'hellO\n');
    const changed = await runGit(['status', '--porcelain'], { cwd: workspace.dir });
    expect(changed.stdout).toBe(' M README.md\n');
    await workspace.destroy();
  });

  test("is left as it was for a reopened workspace, and git status sees the agent's work", async () => {
    const workspace = await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-resume' });
    await workspace.ready;
    const indexFile = path.join(workspace.dir, '.git', 'index');
    const index = await readFile(indexFile);
    await writeFile(path.join(workspace.dir, 'new.txt'), 'agent work\n');
    const reopened = await reopenWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-resume' });
    expect(reopened.dir).toBe(workspace.dir);
    expect(await readFile(indexFile)).toEqual(index);
    const { stdout } = await runGit(['status', '--porcelain'], { cwd: reopened.dir });
    expect(stdout).toBe('?? new.txt\n');
    await reopened.destroy();
  });
});

describe('a mirror that has gathered many packs', () => {
  test('is repacked into one, and workspaces made from it before and after are whole', async () => {
    const { updateMirror } = await import('./internal/repository-mirror.ts');
    const update = (taskId: string) =>
      updateMirror({ mirrorsDir, workTree: repo, taskId, objectFormat: 'sha1', maxPacks: 3 });
    await update('task-0');
    for (const round of [1, 2]) {
      await commitFile('README.md', `round ${round}\n`);
      await update(`task-${round}`);
    }
    expect(await mirrorPackContents()).toHaveLength(3);
    await commitFile('README.md', 'round 3\n');
    const { commit } = await update('task-3');
    // Four fetches, one pack: everything the mirror had, and nothing lost.
    expect(await mirrorPackContents()).toHaveLength(1);
    await expect(stat(path.join(mirrorGitDir(mirrorsDir, repo), 'warden-repack.lock'))).rejects.toThrow();
    expect(await mirrorGit('fsck', '--no-progress', '--no-dangling')).toBe('');
    const workspace = await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-after' });
    expect(workspace.baseCommit).toBe(commit);
    expect(await readFile(path.join(workspace.dir, 'README.md'), 'utf8')).toBe('round 3\n');
    expect(await git(workspace.dir, 'log', '--format=%s', '-1', 'HEAD~3')).toBe('write README.md');
    await workspace.destroy();
  });

  test('is left to the process holding the repack lock; a lock a killed process left is taken over', async () => {
    const { updateMirror } = await import('./internal/repository-mirror.ts');
    const update = (taskId: string) =>
      updateMirror({ mirrorsDir, workTree: repo, taskId, objectFormat: 'sha1', maxPacks: 1 });
    await update('task-0');
    const lock = path.join(mirrorGitDir(mirrorsDir, repo), 'warden-repack.lock');
    await writeFile(lock, '');
    await commitFile('README.md', 'locked\n');
    await update('task-1');
    expect(await mirrorPackContents()).toHaveLength(2);
    const longAgo = new Date(Date.now() - 24 * 3_600_000);
    await utimes(lock, longAgo, longAgo);
    await commitFile('README.md', 'taken over\n');
    await update('task-2');
    expect(await mirrorPackContents()).toHaveLength(1);
    await expect(stat(lock)).rejects.toThrow();
  });
});
