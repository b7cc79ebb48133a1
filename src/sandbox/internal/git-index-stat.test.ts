import { lstat, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { runGit } from '../git.ts';
import { matchesIndex, readIndexedFiles } from './git-index-stat.ts';

let repo: string;
const git = async (...args: string[]) => (await runGit(args, { cwd: repo })).stdout;

beforeEach(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'warden-index-stat-'));
  await git('init', '--quiet');
  await writeFile(path.join(repo, 'a.txt'), 'a\n');
  await writeFile(path.join(repo, 'b.txt'), 'b\n');
  await git('add', 'a.txt', 'b.txt');
});

afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('readIndexedFiles', () => {
  test('reads the blob ids and stat data of the files git last saw clean', async () => {
    // Files older than the index are not racy: git trusts their stat data, and so does Warden.
    const past = new Date(Date.now() - 10_000);
    for (const name of ['a.txt', 'b.txt']) await utimes(path.join(repo, name), past, past);
    await git('update-index', '--refresh');
    const indexed = await readIndexedFiles(path.join(repo, '.git', 'index'), 'sha1');
    const staged = await git('ls-files', '--stage');
    expect([...indexed.keys()]).toEqual(['a.txt', 'b.txt']);
    for (const [name, entry] of indexed) {
      expect(staged).toContain(`100644 ${entry.objectId} 0\t${name}`);
      expect(matchesIndex(entry, await lstat(path.join(repo, name), { bigint: true }))).toBe(true);
    }
    await writeFile(path.join(repo, 'a.txt'), 'A\n');
    expect(matchesIndex(indexed.get('a.txt')!, await lstat(path.join(repo, 'a.txt'), { bigint: true }))).toBe(
      false,
    );
  });

  test('vouches for nothing written in the second the index was', async () => {
    // Written just now, with the index: git would look at these files again, so Warden reads them.
    // The entries record the files' times, and the index is given the same time: the same second,
    // whatever second the test started in.
    const indexFile = path.join(repo, '.git', 'index');
    const now = new Date();
    for (const name of ['a.txt', 'b.txt']) await utimes(path.join(repo, name), now, now);
    await git('update-index', '--refresh');
    await utimes(indexFile, now, now);
    expect((await readIndexedFiles(indexFile, 'sha1')).size).toBe(0);
  });

  test('a damaged, missing or unknown index vouches for nothing', async () => {
    const indexFile = path.join(repo, '.git', 'index');
    const past = new Date(Date.now() - 10_000);
    for (const name of ['a.txt', 'b.txt']) await utimes(path.join(repo, name), past, past);
    await git('update-index', '--refresh');
    const good = await readFile(indexFile);
    const flipped = Buffer.from(good);
    flipped[40] = flipped[40]! ^ 0xff;
    await writeFile(indexFile, flipped);
    expect((await readIndexedFiles(indexFile, 'sha1')).size).toBe(0);
    await writeFile(indexFile, good.subarray(0, 50));
    expect((await readIndexedFiles(indexFile, 'sha1')).size).toBe(0);
    expect((await readIndexedFiles(path.join(repo, 'missing'), 'sha1')).size).toBe(0);
    await writeFile(indexFile, good);
    expect((await readIndexedFiles(indexFile, 'sha1')).size).toBe(2);
    await git('update-index', '--index-version', '4');
    expect((await readIndexedFiles(indexFile, 'sha1')).size).toBe(0);
  });
});
