import { execFileSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runGit } from './git.ts';
import { createWorkspace } from './workspace.ts';

let root: string;
let repo: string;
let scratchDir: string;

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await runGit(args, { cwd })).stdout.trim();
}

/** The branch's tree as `mode path` lines (blobs with their content for files and links). */
async function treeOf(branch: string): Promise<Map<string, { mode: string; content: string }>> {
  const listing = await git(repo, 'ls-tree', '-r', '-z', '--full-tree', branch);
  const tree = new Map<string, { mode: string; content: string }>();
  for (const record of listing.split('\0').filter(Boolean)) {
    const [meta, name] = record.split('\t') as [string, string];
    const [mode, type, id] = meta.split(' ') as [string, string, string];
    tree.set(name, { mode, content: type === 'blob' ? await git(repo, 'cat-file', 'blob', id) : id });
  }
  return tree;
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'warden-branch-'));
  repo = path.join(root, 'user-repo');
  scratchDir = path.join(root, 'scratch');
  await mkdir(path.join(repo, 'dist'), { recursive: true });
  await git(repo, 'init', '--quiet', '--initial-branch=main');
  await writeFile(path.join(repo, 'README.md'), 'hello\n');
  await writeFile(path.join(repo, 'run.sh'), '#!/bin/sh\necho run\n');
  await chmod(path.join(repo, 'run.sh'), 0o755);
  await writeFile(path.join(repo, '.gitignore'), 'dist/\n*.log\nnode_modules/\n');
  await writeFile(path.join(repo, 'dist', 'app.js'), 'built\n');
  await symlink('/etc', path.join(repo, 'users-own-link'));
  await git(repo, 'add', '--all');
  await git(repo, 'add', '--force', 'dist/app.js');
  await git(repo, 'commit', '--quiet', '-m', 'initial');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('Workspace.createBranch builds the commit from the files as data', () => {
  test('keeps modes, links inside the workspace, deletions and ignore rules as git add --all would', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'modes' });
    await workspace.ready;
    const at = (name: string) => path.join(workspace.dir, name);
    await writeFile(at('tool.sh'), '#!/bin/sh\n');
    await chmod(at('tool.sh'), 0o755);
    await chmod(at('run.sh'), 0o644);
    await unlink(at('README.md'));
    await mkdir(at('docs'));
    await symlink('../tool.sh', at('docs/tool-link'));
    await writeFile(at('name with "quotes"\nand a newline'), 'odd\n');
    await writeFile(at(':(glob)*'), 'a name, not a pattern\n');
    await writeFile(at('debug.log'), 'ignored\n');
    await mkdir(at('node_modules/pkg'), { recursive: true });
    await writeFile(at('node_modules/pkg/index.js'), 'ignored\n');
    await writeFile(at('dist/app.js'), 'rebuilt\n'); // tracked, though its directory is ignored
    await writeFile(at('dist/extra.js'), 'ignored\n');

    const result = await workspace.createBranch('modes', 'Change things\n');
    expect(result?.skipped).toEqual([]);
    const tree = await treeOf('warden/modes');
    expect(tree.get('tool.sh')).toEqual({ mode: '100755', content: '#!/bin/sh' });
    expect(tree.get('run.sh')?.mode).toBe('100644');
    expect(tree.has('README.md')).toBe(false);
    expect(tree.get('docs/tool-link')).toEqual({ mode: '120000', content: '../tool.sh' });
    expect(tree.get('name with "quotes"\nand a newline')?.content).toBe('odd');
    expect(tree.has(':(glob)*')).toBe(true);
    expect(tree.get('dist/app.js')?.content).toBe('rebuilt');
    // The user's own link, unchanged, stays, though it points out of the workspace.
    expect(tree.get('users-own-link')).toEqual({ mode: '120000', content: '/etc' });
    expect([...tree.keys()].filter((name) => /^debug\.log$|node_modules|extra/.test(name))).toEqual([]);
    expect(result?.stat).toEqual({ filesChanged: 7, insertions: 5, deletions: 2 });
    await workspace.destroy();
  });

  test('commits a file turned into a directory, and a directory turned into a file', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'swap' });
    // Nothing may touch the files before the fresh index is written (`ready`), as a task waits for it.
    await workspace.ready;
    const at = (name: string) => path.join(workspace.dir, name);
    await unlink(at('README.md'));
    await mkdir(at('README.md'));
    await writeFile(at('README.md/index.md'), 'now a directory\n');
    await rm(at('dist'), { recursive: true });
    await writeFile(at('dist'), 'now a file\n');

    await workspace.createBranch('swap', 'Swap kinds\n');
    const tree = await treeOf('warden/swap');
    expect(tree.get('README.md/index.md')?.content).toBe('now a directory');
    expect(tree.has('README.md')).toBe(false);
    expect(tree.get('dist')?.content).toBe('now a file');
    expect(tree.has('dist/app.js')).toBe(false);
    expect(tree.get('run.sh')?.mode).toBe('100755');
    await workspace.destroy();
  });

  test('leaves out nested .git entries, links that escape or reach into .git, and special files, and says so', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'left-out' });
    await workspace.ready;
    const at = (name: string) => path.join(workspace.dir, name);
    await mkdir(at('vendor/lib/.git/hooks'), { recursive: true });
    await writeFile(at('vendor/lib/.git/config'), '[core]\n\thooksPath = /tmp\n');
    await writeFile(at('vendor/lib/code.js'), 'code\n');
    await writeFile(at('vendor/.GIT'), 'gitdir: /somewhere\n');
    await symlink('/root', at('root-link'));
    await symlink('../../..', at('vendor/climb'));
    await symlink('root-link/x', at('via-link'));
    await symlink('.git/config', at('git-link'));
    await symlink('users-own-link', at('to-users-link'));
    await unlink(at('users-own-link'));
    await symlink('/var', at('users-own-link')); // changed: judged like any new link
    execFileSync('mkfifo', [at('pipe')]);

    const result = await workspace.createBranch('left-out', 'Vendor a library\n');
    expect(result?.skipped).toEqual(
      expect.arrayContaining([
        { path: 'vendor/lib/.git', reason: 'nested-git' },
        { path: 'vendor/.GIT', reason: 'nested-git' },
        { path: 'root-link', reason: 'symlink-outside-workspace' },
        { path: 'vendor/climb', reason: 'symlink-outside-workspace' },
        { path: 'via-link', reason: 'symlink-outside-workspace' },
        { path: 'git-link', reason: 'symlink-into-git' },
        { path: 'to-users-link', reason: 'symlink-outside-workspace' },
        { path: 'users-own-link', reason: 'symlink-outside-workspace' },
        { path: 'pipe', reason: 'special-file' },
      ]),
    );
    expect(result?.skipped).toHaveLength(9);
    const tree = await treeOf('warden/left-out');
    expect(tree.get('vendor/lib/code.js')?.content).toBe('code');
    expect([...tree.keys()].filter((name) => /(^|\/)\.git(\/|$)|link|pipe|climb/i.test(name))).toEqual([
      'users-own-link',
    ]);
    // Left out means unchanged: the user's link keeps the target it had.
    expect(tree.get('users-own-link')?.content).toBe('/etc');
    await workspace.destroy();
  });

  test('keeps a submodule the commit it was, whatever the agent put in its directory', async () => {
    const commit = await git(repo, 'rev-parse', 'HEAD');
    await git(repo, 'update-index', '--add', '--cacheinfo', `160000,${commit},sub`);
    await git(repo, 'commit', '--quiet', '-m', 'submodule');
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'submodule' });
    await workspace.ready;
    await mkdir(path.join(workspace.dir, 'sub', '.git'), { recursive: true });
    await writeFile(path.join(workspace.dir, 'sub', 'f'), 'planted\n');
    await writeFile(path.join(workspace.dir, 'README.md'), 'changed\n');

    const result = await workspace.createBranch('submodule', 'Change\n');
    expect(result?.skipped).toEqual([{ path: 'sub', reason: 'submodule' }]);
    const tree = await treeOf('warden/submodule');
    expect(tree.get('sub')).toEqual({ mode: '160000', content: commit });
    expect([...tree.keys()].filter((name) => name.startsWith('sub/'))).toEqual([]);
    await workspace.destroy();
  });

  test('commits a file rewritten with its size and times put back: its index entry no longer vouches for it', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'lying-times' });
    await workspace.ready;
    const readme = path.join(workspace.dir, 'README.md');
    const before = await lstat(readme);
    await writeFile(readme, 'HELLO\n'); // the same size
    await utimes(readme, before.atime, before.mtime);
    expect((await lstat(readme)).mtimeMs).toBe(before.mtimeMs);

    await workspace.createBranch('lying-times', 'Shout\n');
    expect((await treeOf('warden/lying-times')).get('README.md')).toEqual({
      mode: '100644',
      content: 'HELLO',
    });
  });

  test('a tracked directory the agent turns into an ignored file is left out as git add --all would', async () => {
    await mkdir(path.join(repo, 'trace.log'));
    await writeFile(path.join(repo, 'trace.log', 'kept.txt'), 'tracked\n');
    await git(repo, 'add', '--force', 'trace.log/kept.txt');
    await git(repo, 'commit', '--quiet', '-m', 'a tracked directory under an ignore pattern');
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'dir-to-file' });
    await workspace.ready;
    await rm(path.join(workspace.dir, 'trace.log'), { recursive: true });
    await writeFile(path.join(workspace.dir, 'trace.log'), 'now a log file\n');

    await workspace.createBranch('dir-to-file', 'Replace a directory\n');
    const tree = await treeOf('warden/dir-to-file');
    expect(tree.has('trace.log')).toBe(false);
    expect(tree.has('trace.log/kept.txt')).toBe(false);
  });

  test('replaces the branch an interrupted run of the same task saved, and no one else’s', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'resumed' });
    await workspace.ready;
    await writeFile(path.join(workspace.dir, 'NOTES.md'), 'first\n');
    const trailer = '\n\nWarden-Task: resumed\n';
    await workspace.createBranch('resumed', `First run${trailer}`);
    await writeFile(path.join(workspace.dir, 'NOTES.md'), 'after the resume\n');
    const second = (await workspace.createBranch('resumed', `Second run${trailer}`))!;
    expect(await git(repo, 'rev-parse', 'warden/resumed')).toBe(second.commit);
    expect((await treeOf('warden/resumed')).get('NOTES.md')?.content).toBe('after the resume');
    // A branch of that name whose commit names no task (or another) is not Warden's to drop.
    const other = await git(repo, 'commit-tree', 'main^{tree}', '-p', 'main', '-m', 'someone else');
    await git(repo, 'update-ref', 'refs/heads/warden/resumed', other);
    await writeFile(path.join(workspace.dir, 'NOTES.md'), 'third\n');
    await expect(workspace.createBranch('resumed', `Third run${trailer}`)).rejects.toMatchObject({
      code: 'git-failed',
    });
    expect(await git(repo, 'rev-parse', 'warden/resumed')).toBe(other);
    await workspace.destroy();
  });

  test('makes no branch when only left-out paths changed', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'only-left-out' });
    await workspace.ready;
    await symlink('/root', path.join(workspace.dir, 'root-link'));
    expect(await workspace.createBranch('only-left-out', 'Nothing\n')).toBeNull();
    expect(await git(repo, 'branch', '--list', 'warden/*')).toBe('');
    await workspace.destroy();
  });
});

describe('Workspace.diffStat sizes the change without making a branch', () => {
  test('counts what createBranch would commit, ignored files left out, and touches no ref', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'measure' });
    await workspace.ready;
    expect(await workspace.diffStat()).toBeNull();
    await writeFile(path.join(workspace.dir, 'README.md'), 'hello\nworld\n');
    await writeFile(path.join(workspace.dir, 'new.txt'), 'a\nb\nc\n');
    await writeFile(path.join(workspace.dir, 'debug.log'), 'ignored\n');
    const refsBefore = await git(repo, 'for-each-ref');
    expect(await workspace.diffStat()).toEqual({ filesChanged: 2, insertions: 4, deletions: 0 });
    expect(await git(repo, 'for-each-ref')).toBe(refsBefore);
    // Measuring twice gives the same answer: nothing is left behind between the two.
    expect(await workspace.diffStat()).toEqual({ filesChanged: 2, insertions: 4, deletions: 0 });
    await workspace.destroy();
  });
});
