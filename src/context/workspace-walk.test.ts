import { mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listWorkspaceFiles, walkWorkspace } from './workspace-walk.ts';

let scratch: string;
let root: string;

beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'warden-walk-'));
  root = path.join(scratch, 'repo');
  await mkdir(root);
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function put(relative: string, content: string | Buffer): Promise<void> {
  await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
  await writeFile(path.join(root, relative), content);
}

/**
 * A file outside the workspace whose access time tells whether anything read it: its atime is set
 * before its mtime, so even a `relatime` mount records the next read. `readable` is false on a mount
 * that records no reads (noatime), where only "never listed" can be checked.
 */
async function plantCanary(): Promise<{ file: string; wasRead: () => Promise<boolean>; readable: boolean }> {
  const file = path.join(scratch, 'outside-canary.ts');
  const probe = path.join(scratch, 'atime-probe');
  const age = async (target: string) => {
    await writeFile(target, 'export const secret = "canary";\n');
    await utimes(target, new Date('2000-01-01'), new Date());
  };
  await age(probe);
  await readFile(probe);
  const readable = (await stat(probe)).atimeMs > new Date('2001-01-01').getTime();
  await age(file);
  const wasRead = async () => (await stat(file)).atimeMs > new Date('2001-01-01').getTime();
  return { file, wasRead, readable };
}

describe('listWorkspaceFiles', () => {
  it('lists text files relative to the root, sorted, with their sizes; skips .git and node_modules', async () => {
    await put('src/b.ts', 'export const b = 1;\n');
    await put('src/a.ts', 'export const a = 1;\n');
    await put('README.md', '# hi\n');
    await put('.git/config', '[core]\n');
    await put('node_modules/x/index.js', 'module.exports = 1;\n');
    await put('deep/node_modules/y.js', 'y\n');
    expect(await listWorkspaceFiles(root)).toEqual([
      { path: 'README.md', bytes: 5 },
      { path: 'src/a.ts', bytes: 20 },
      { path: 'src/b.ts', bytes: 20 },
    ]);
  });

  it('honours .gitignore files, deeper ones overriding shallower ones', async () => {
    await put('.gitignore', 'dist/\n*.log\nsecret.ts\n');
    await put('dist/bundle.js', 'x\n');
    await put('app.log', 'x\n');
    await put('secret.ts', 'x\n');
    await put('keep.ts', 'x\n');
    await put('pkg/.gitignore', '!debug.log\n/local.ts\n');
    await put('pkg/debug.log', 'x\n');
    await put('pkg/other.log', 'x\n');
    await put('pkg/local.ts', 'x\n');
    await put('pkg/sub/local.ts', 'x\n');
    const paths = (await listWorkspaceFiles(root)).map((file) => file.path);
    expect(paths).toEqual(['.gitignore', 'keep.ts', 'pkg/.gitignore', 'pkg/debug.log', 'pkg/sub/local.ts']);
  });

  it('skips a binary file with a source extension and files over maxFileBytes', async () => {
    await put('image.ts', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
    await put('late-nul.ts', Buffer.concat([Buffer.alloc(9000, 0x61), Buffer.from([0])]));
    await put('big.ts', 'a'.repeat(2000));
    await put('small.ts', 'a'.repeat(10));
    const paths = (await listWorkspaceFiles(root, { maxFileBytes: 1000 })).map((file) => file.path);
    // A NUL past the first 8 KB is not looked for (git and ripgrep look no further either).
    expect(paths).toEqual(['small.ts']);
    expect((await listWorkspaceFiles(root, { maxFileBytes: 20_000 })).map((file) => file.path)).toEqual([
      'big.ts',
      'late-nul.ts',
      'small.ts',
    ]);
  });

  it('ends on a symlink loop and lists no link', async () => {
    await put('a/file.ts', 'x\n');
    await symlink('..', path.join(root, 'a', 'up'));
    await symlink(path.join(root, 'a'), path.join(root, 'a', 'self'));
    await symlink('file.ts', path.join(root, 'a', 'alias.ts'));
    await symlink('loop-b', path.join(root, 'loop-a'));
    await symlink('loop-a', path.join(root, 'loop-b'));
    expect((await listWorkspaceFiles(root)).map((file) => file.path)).toEqual(['a/file.ts']);
  });

  it('never lists or reads a file outside the root through a link', async () => {
    const canary = await plantCanary();
    await put('inside.ts', 'x\n');
    await symlink(canary.file, path.join(root, 'linked.ts'));
    await symlink(scratch, path.join(root, 'parent'));
    await put('.gitignore', `!linked.ts\n`);
    const paths = (await listWorkspaceFiles(root)).map((file) => file.path);
    expect(paths).toEqual(['.gitignore', 'inside.ts']);
    if (canary.readable) expect(await canary.wasRead()).toBe(false);
  });

  it('stops at maxFiles and says so', async () => {
    for (let index = 0; index < 30; index += 1) await put(`f/${String(index).padStart(2, '0')}.ts`, 'x\n');
    const walk = await walkWorkspace(root, { maxFiles: 10 });
    expect(walk.truncated).toBe(true);
    expect(walk.files.map((file) => file.path)).toEqual(
      Array.from({ length: 10 }, (_, index) => `f/${String(index).padStart(2, '0')}.ts`),
    );
    expect((await walkWorkspace(root, { maxFiles: 30 })).truncated).toBe(false);
  });

  it('throws when the root cannot be read', async () => {
    await expect(listWorkspaceFiles(path.join(root, 'missing'))).rejects.toThrow();
  });
});

describe('a walk told what an earlier walk found (known)', () => {
  it('trusts only a regular file with the same size and time: a link or a changed file is looked at again', async () => {
    await put('same.ts', 'export const a = 1;\n');
    await put('swapped.ts', 'export const b = 2;\n');
    await put('changed.ts', 'export const c = 3;\n');
    const first = await walkWorkspace(root);
    const known = new Map(
      first.files.map((file) => [file.path, { bytes: file.bytes, mtimeMs: file.mtimeMs }]),
    );
    // Since then: one file became a link out of the workspace, one became binary (another size).
    const canary = path.join(scratch, 'outside.ts');
    await writeFile(canary, 'export const secret = 1;\n');
    await rm(path.join(root, 'swapped.ts'));
    await symlink(canary, path.join(root, 'swapped.ts'));
    await writeFile(path.join(root, 'changed.ts'), Buffer.from([0, 1, 2, 3]));
    const again = await walkWorkspace(root, { known: (relative) => known.get(relative) });
    expect(again.files.map((file) => file.path)).toEqual(['same.ts']);
  });
});
