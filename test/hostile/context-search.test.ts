import { mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findSymbol,
  firstLook,
  listWorkspaceFiles,
  searchText,
  walkWorkspace,
} from '../../src/context/index.ts';
import { findRipgrep } from '../../src/context/internal/host-search-sources.ts';

// Hostile workspaces for the search tools: a 5 MB minified file, 100k tiny files, binaries with
// source extensions, link loops and links out to a canary. Each must end, bounded, without crashing
// and without reading the canary. Times are not asserted (bench/context-search.ts measures them).

let scratch: string;
let root: string;
let canary: string;
let atimeRecorded = false;
const engines =
  (await findRipgrep()) === undefined ? (['javascript'] as const) : (['ripgrep', 'javascript'] as const);

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'warden-hostile-search-'));
  root = path.join(scratch, 'repo');
  const put = async (relative: string, content: string | Buffer) => {
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await writeFile(path.join(root, relative), content);
  };
  await put('src/real.ts', 'export function needle() { return 1; }\n');
  await put('dist/app.min.js', `${'function a(b){return b+1};'.repeat(200_000)}needle();\n`);
  await put(
    'assets/logo.ts',
    Buffer.concat([Buffer.from('needle'), Buffer.alloc(64, 0), Buffer.from('needle')]),
  );
  await put('assets/blob.py', Buffer.from(Array.from({ length: 4096 }, (_, index) => index % 256)));
  await symlink('..', path.join(root, 'src', 'up'));
  await symlink('loop-b', path.join(root, 'loop-a'));
  await symlink('loop-a', path.join(root, 'loop-b'));
  // The canary: atime set before mtime, so any read shows (when the mount records reads at all).
  canary = path.join(scratch, 'canary.ts');
  const probe = path.join(scratch, 'probe');
  await writeFile(probe, 'x');
  await utimes(probe, new Date('2000-01-01'), new Date());
  await readFile(probe);
  atimeRecorded = (await stat(probe)).atimeMs > Date.parse('2001-01-01');
  await writeFile(canary, 'export function needle() { return "secret"; }\n');
  await utimes(canary, new Date('2000-01-01'), new Date());
  await symlink(canary, path.join(root, 'src', 'canary.ts'));
  await symlink(scratch, path.join(root, 'outside'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function canaryUntouched(): Promise<void> {
  if (atimeRecorded) expect((await stat(canary)).atimeMs).toBeLessThan(Date.parse('2001-01-01'));
}

describe.each(engines)('hostile workspaces, searched with %s', (engine) => {
  it('skips a 5 MB minified file by default and searches it, cut, when the size cap allows', async () => {
    const result = await searchText(root, { pattern: 'needle', engine });
    expect(result.matches.map((match) => match.path)).toEqual(['src/real.ts']);
    const large = await searchText(root, { pattern: 'needle', engine, maxFileBytes: 8 * 1024 * 1024 });
    const minified = large.matches.find((match) => match.path === 'dist/app.min.js');
    expect(minified?.text.length).toBeLessThanOrEqual(402);
    expect(minified?.column).toBe(200_000 * 26 + 1);
    const many = await searchText(root, { pattern: 'b+1', engine, maxFileBytes: 8 * 1024 * 1024 });
    expect(many.total).toBe(1);
  });

  it('never lists binaries with source extensions, follows no link and never reads the canary', async () => {
    const result = await searchText(root, { pattern: 'needle', engine, globs: ['*.ts', '*.py'] });
    expect(result.matches.map((match) => match.path)).toEqual(['src/real.ts']);
    await canaryUntouched();
  });
});

describe('hostile workspaces, beyond text search', () => {
  it('walks, ranks and finds symbols without reading the canary or a binary', async () => {
    expect((await listWorkspaceFiles(root)).map((file) => file.path)).toEqual(['src/real.ts']);
    expect((await firstLook(root, 'needle')).map((file) => file.path)).toEqual(['src/real.ts']);
    const symbol = await findSymbol(root, 'needle');
    expect(symbol.locations.map((location) => location.path)).toEqual(['src/real.ts']);
    await canaryUntouched();
  });

  it('bounds 100,000 tiny files: every one listed, a cap honoured, search and ranking finish', async () => {
    const many = path.join(scratch, 'many');
    for (let directory = 0; directory < 100; directory += 1) {
      const folder = path.join(many, `d${directory}`);
      await mkdir(folder, { recursive: true });
      await Promise.all(
        Array.from({ length: 1000 }, (_, index) =>
          writeFile(path.join(folder, `f${index}.ts`), index === 7 ? 'const found = 1;\n' : 'x\n'),
        ),
      );
    }
    const all = await walkWorkspace(many);
    expect(all.files).toHaveLength(100_000);
    expect(all.truncated).toBe(false);
    const capped = await walkWorkspace(many, { maxFiles: 10_000 });
    expect(capped.files).toHaveLength(10_000);
    expect(capped.truncated).toBe(true);
    for (const engine of engines) {
      const result = await searchText(many, { pattern: 'found', engine, pageSize: 10, timeoutMs: 200_000 });
      expect(result.total).toBe(100);
      expect(result.nextPage).toBe(2);
    }
    const ranked = await firstLook(many, 'found', { k: 5, symbols: new Map() });
    expect(ranked).toHaveLength(5);
  }, 300_000);
});
