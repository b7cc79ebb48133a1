import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UserError } from '../spec/errors.ts';
import { runGit } from './git.ts';
import { resolveRepository } from './resolve-repository.ts';

/** Real repositories on disk: every shape of `--repo` a user gets wrong, and the one that is right. */
describe('resolveRepository', () => {
  let root: string;
  let repo: string;
  let head: string;
  const git = async (cwd: string, ...args: string[]) =>
    (await runGit(args, { cwd, identity: { name: 'Test', email: 'test@example.com' } })).stdout.trim();
  const refusal = async (dir: string): Promise<UserError> => {
    const error = await resolveRepository(dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: 'repo-invalid' });
    return error as UserError;
  };

  beforeAll(async () => {
    root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'warden-resolve-')));
    repo = path.join(root, 'repo');
    await mkdir(path.join(repo, 'src', 'deep'), { recursive: true });
    await writeFile(path.join(repo, 'src', 'deep', 'file.ts'), 'export {};\n');
    await git(repo, 'init', '--quiet', '--initial-branch=main');
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '--quiet', '-m', 'initial');
    head = await git(repo, 'rev-parse', 'HEAD');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('the root of a repository with a commit resolves to itself and its HEAD', async () => {
    const commonDir = path.join(repo, '.git');
    expect(await resolveRepository(repo)).toEqual({ root: repo, head, commonDir });
    // A trailing slash or a relative spelling names the same root.
    expect(await resolveRepository(`${repo}/`)).toEqual({ root: repo, head, commonDir });
  });

  test("a linked worktree resolves to its own root, with the main checkout's git directory", async () => {
    const linked = path.join(root, 'linked');
    await git(repo, 'worktree', 'add', '--quiet', '--detach', linked);
    expect(await resolveRepository(linked)).toEqual({
      root: linked,
      head,
      commonDir: path.join(repo, '.git'),
    });
  });

  test('a folder inside a repository is refused, and the hint names the root', async () => {
    for (const inside of [path.join(repo, 'src'), path.join(repo, 'src', 'deep')]) {
      const error = await refusal(inside);
      expect(error.message).toBe(`${inside} is a folder inside the git repository ${repo}, not its root`);
      expect(error.hint).toContain(`--repo ${repo}`);
    }
  });

  test("the inside of a repository's .git directory is refused", async () => {
    const error = await refusal(path.join(repo, '.git', 'refs'));
    expect(error.message).toContain('.git directory');
  });

  test('a bare repository is refused, with how to get a checkout', async () => {
    const bare = path.join(root, 'bare.git');
    await git(root, 'clone', '--quiet', '--bare', repo, bare);
    const error = await refusal(bare);
    expect(error.message).toBe(`${bare} is a bare repository: it has no work tree to copy`);
    expect(error.hint).toContain(`git clone ${bare} DIR`);
  });

  test('a repository with no commits is refused', async () => {
    const empty = path.join(root, 'empty');
    await mkdir(empty);
    await git(empty, 'init', '--quiet');
    expect((await refusal(empty)).message).toBe(`${empty} has no commits yet`);
  });

  test('a file, a missing path and a plain folder are refused, each saying which', async () => {
    const file = path.join(repo, 'src', 'deep', 'file.ts');
    expect((await refusal(file)).message).toBe(`${file} is a file, not a repository`);
    const missing = path.join(root, 'missing');
    expect((await refusal(missing)).message).toBe(`${missing} does not exist`);
    const plain = path.join(root, 'plain');
    await mkdir(plain);
    expect((await refusal(plain)).message).toBe(`${plain} is not a git repository`);
  });
});
