import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstLook } from './first-look.ts';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'warden-first-look-'));
  const put = async (relative: string, content: string) => {
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await writeFile(path.join(root, relative), content);
  };
  await put(
    'src/guard/budget-reservation.ts',
    'export function reserve(amount: number) { return amount; }\n',
  );
  await put('src/guard/breaker.ts', 'export class Breaker { trip() {} }\n// mentions budget once\n');
  await put('src/model/router.ts', 'export function route() { return "cheap"; }\n');
  await put(
    'src/agent/loop.ts',
    'export function reserveBudget() { /* budget budget */ }\nexport const x = 1;\n',
  );
  await put('README.md', 'Warden runs agents.\n');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('firstLook', () => {
  it('ranks files by path, symbols and content', async () => {
    const ranked = await firstLook(root, 'budget reservation', { k: 3 });
    expect(ranked.map((file) => file.path)).toEqual([
      'src/guard/budget-reservation.ts',
      'src/agent/loop.ts',
      'src/guard/breaker.ts',
    ]);
    expect(ranked[0]?.score).toBeGreaterThan(ranked[1]?.score ?? 0);
  });

  it('uses a symbol table the caller passes', async () => {
    const symbols = new Map([['src/model/router.ts', ['pickCheapestModel']]]);
    const ranked = await firstLook(root, 'cheapest model', { k: 1, symbols });
    expect(ranked).toEqual([{ path: 'src/model/router.ts', score: expect.any(Number) }]);
  });

  it('finds definitions with extractTags when no table is passed', async () => {
    const ranked = await firstLook(root, 'Breaker', { k: 5 });
    expect(ranked[0]?.path).toBe('src/guard/breaker.ts');
  });

  it('ranks nothing for a query with no words', async () => {
    expect(await firstLook(root, '  ? ! ')).toEqual([]);
  });
});
