import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { chainCommits, createChainGitDir, sealChain } from './commit-chain.ts';
import { runGit } from './git.ts';

const IDENTITY = { name: 'Test', email: 'test@example.com' };
let root: string;
let repo: string;

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await runGit(args, { cwd, identity: IDENTITY })).stdout.trim();
}

/** A commit on `start` in the test repository whose work tree is made to hold `files` (null: deleted). */
async function change(
  start: string,
  files: Record<string, string | Buffer | null>,
  mode?: string,
): Promise<string> {
  await git(repo, 'checkout', '--quiet', '--detach', start);
  for (const [name, content] of Object.entries(files)) {
    if (content === null) await rm(path.join(repo, name));
    else await writeFile(path.join(repo, name), content);
    if (mode && content !== null) await chmod(path.join(repo, name), Number.parseInt(mode, 8));
  }
  await git(repo, 'add', '--all');
  await git(repo, 'commit', '--quiet', '--allow-empty', '-m', 'change');
  return await git(repo, 'rev-parse', 'HEAD');
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'warden-chain-'));
  repo = path.join(root, 'repo');
  await git(root, 'init', '--quiet', repo);
  await writeFile(path.join(repo, 'shared.txt'), 'one\ntwo\nthree\n');
  await writeFile(path.join(repo, 'gone.txt'), 'bye\n');
  await git(repo, 'add', '--all');
  await git(repo, 'commit', '--quiet', '-m', 'base');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('chaining changes', () => {
  test('applies each change on the ones before it, one commit each, binary files, deletions and modes included', async () => {
    const base = await git(repo, 'rev-parse', 'HEAD');
    const binary = Buffer.from([0, 1, 2, 255, 0, 7]);
    const first = await change(base, { 'shared.txt': 'ONE\ntwo\nthree\n', 'blob.bin': binary });
    const second = await change(base, { 'shared.txt': 'one\ntwo\nTHREE\n', 'gone.txt': null });
    const third = await change(base, { 'tool.sh': 'echo hi\n' }, '755');
    const nothing = await change(base, {});
    const gitDir = path.join(root, 'chain.git');
    await createChainGitDir(gitDir, 'sha1', [path.join(repo, '.git', 'objects')]);
    const links = [
      { name: 'first', start: base, result: first, message: 'first' },
      { name: 'second', start: base, result: second, message: 'second' },
      { name: 'empty', start: base, result: nothing, message: 'empty' },
      { name: 'third', start: base, result: third, message: 'third' },
    ];
    const chained = await chainCommits({
      gitDir,
      base,
      links,
      ref: 'refs/warden/combined',
      identity: IDENTITY,
    });
    expect(chained).toMatchObject({ committed: ['first', 'second', 'third'] });
    const tip = 'commit' in chained ? chained.commit : '';
    const show = (spec: string) => runGit(['show', spec], { cwd: gitDir, env: { GIT_DIR: gitDir } });
    expect((await show(`${tip}:shared.txt`)).stdout).toBe('ONE\ntwo\nTHREE\n');
    expect((await show(`${tip}:blob.bin`)).stdoutBytes).toEqual(binary);
    const listing = (await runGit(['ls-tree', tip], { cwd: gitDir, env: { GIT_DIR: gitDir } })).stdout;
    expect(listing).toContain('100755 blob');
    expect(listing).not.toContain('gone.txt');
    const subjects = await runGit(['log', '--format=%s', `${base}..${tip}`], {
      cwd: gitDir,
      env: { GIT_DIR: gitDir },
    });
    expect(subjects.stdout.trim().split('\n')).toEqual(['third', 'second', 'first']);

    // Sealed, the chain needs only the store that holds the base.
    const keep = path.join(root, 'base.git');
    await git(root, 'clone', '--quiet', '--bare', '--no-local', repo, keep);
    await git(keep, 'update-ref', '-d', 'refs/heads/master').catch(() => {});
    await sealChain(gitDir, tip, base, [path.join(keep, 'objects')]);
    const fsck = await runGit(['fsck', '--connectivity-only', tip], {
      cwd: gitDir,
      env: { GIT_DIR: gitDir },
    });
    expect(fsck.exitCode).toBe(0);
  });

  test('refuses two changes to the same lines, naming both and where, and moves no ref', async () => {
    const base = await git(repo, 'rev-parse', 'HEAD');
    const left = await change(base, { 'shared.txt': 'one\nLEFT\nthree\n' });
    const right = await change(base, { 'shared.txt': 'one\nRIGHT\nthree\n' });
    const gitDir = path.join(root, 'chain.git');
    await createChainGitDir(gitDir, 'sha1', [path.join(repo, '.git', 'objects')]);
    const chained = await chainCommits({
      gitDir,
      base,
      links: [
        { name: 'left', start: base, result: left, message: 'left' },
        { name: 'right', start: base, result: right, message: 'right' },
      ],
      ref: 'refs/warden/combined',
      identity: IDENTITY,
    });
    expect(chained).toMatchObject({ conflict: { name: 'right', with: ['left'], paths: ['shared.txt'] } });
    const ref = await runGit(['rev-parse', '--verify', '--quiet', 'refs/warden/combined'], {
      cwd: gitDir,
      env: { GIT_DIR: gitDir },
      acceptExitCodes: [1],
    });
    expect(ref.stdout).toBe('');
  });
});
