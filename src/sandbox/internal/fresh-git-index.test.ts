import { lstat, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { runGit } from '../git.ts';
import { writeFreshGitIndex } from './fresh-git-index.ts';

let root: string;
let workspace: string;

const git = async (args: string[]) => (await runGit(args, { cwd: workspace })).stdout;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'warden-git-index-'));
  const source = path.join(root, 'source');
  await mkdir(path.join(source, 'lib'), { recursive: true });
  for (let index = 0; index < 40; index += 1) {
    await writeFile(path.join(source, 'lib', `file-${index}.js`), `export const value = ${index};\n`);
  }
  await symlink('lib/file-0.js', path.join(source, 'entry.js'));
  await runGit(['init', '--quiet'], { cwd: source });
  await runGit(['add', '.'], { cwd: source });
  await runGit(['commit', '--quiet', '-m', 'files'], { cwd: source });
  workspace = path.join(root, 'workspace');
  // A checkout made now, as a workspace's is: every file written moments before the index.
  await runGit(['clone', '--quiet', '--no-hardlinks', source, workspace], { cwd: root });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Files git would re-hash: mtime not before the index's, in whole seconds. */
async function racyFiles(indexFile: string): Promise<string[]> {
  const indexSeconds = Math.floor((await stat(indexFile)).mtimeMs / 1000);
  const racy: string[] = [];
  for (const name of (await git(['ls-files', '-z'])).split('\0').filter(Boolean)) {
    if (Math.floor((await lstat(path.join(workspace, name))).mtimeMs / 1000) >= indexSeconds) racy.push(name);
  }
  return racy;
}

test.each([
  ['waiting for the clock', 2_000, 2],
  ['rewriting the last second', -1_000, 2],
  ['having git re-hash the last second (index version 4)', -1_000, 4],
])(
  'leaves no racy entry in .git/index, by %s, and status still sees a change made right after',
  async (_, maxWaitMs, version) => {
    const indexFile = path.join(workspace, '.git', 'index');
    if (version === 4) await git(['update-index', '--index-version', '4']);
    await writeFreshGitIndex(workspace, maxWaitMs);
    expect(await racyFiles(indexFile)).toEqual([]);
    // `runGit` sets GIT_OPTIONAL_LOCKS=0, so status cannot save the index, as in the read-only sandbox.
    expect(await git(['status', '--porcelain'])).toBe('');
    expect(await racyFiles(indexFile)).toEqual([]);
    // Same size, a moment later: git notices from the stat data it now trusts (mtime and ctime moved).
    await writeFile(path.join(workspace, 'lib', 'file-1.js'), 'export const value = 9;\n');
    expect(await git(['status', '--porcelain'])).toBe(' M lib/file-1.js\n');
  },
);

test('does not vouch for a file changed before it ran: git still finds the change', async () => {
  const indexFile = path.join(workspace, '.git', 'index');
  // Same size as before, within the checkout's last second: only the stat data can tell.
  await writeFile(path.join(workspace, 'lib', 'file-2.js'), 'export const value = 7;\n');
  await writeFreshGitIndex(workspace, -1_000);
  expect(await git(['status', '--porcelain'])).toBe(' M lib/file-2.js\n');
  expect(await racyFiles(indexFile)).toEqual([]);
});
