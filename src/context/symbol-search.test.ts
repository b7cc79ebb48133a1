import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSymbol } from './symbol-search.ts';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'warden-symbols-'));
  const put = async (relative: string, content: string) => {
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await writeFile(path.join(root, relative), content);
  };
  await put('src/money.ts', 'export function addCents(a: number, b: number) {\n  return a + b;\n}\n');
  await put('src/cart.ts', 'import { addCents } from "./money";\nexport const total = addCents(1, 2);\n');
  await put('src/other.ts', 'export const addCentsLater = 1;\n');
  await put('tools/sum.py', 'from money import add_cents\n\ndef add_cents(a, b):\n    return a + b\n');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('findSymbol', () => {
  it('lists definitions first, then references, exact names only', async () => {
    const result = await findSymbol(root, 'addCents');
    expect(result.locations[0]).toMatchObject({
      path: 'src/money.ts',
      line: 1,
      role: 'definition',
      endLine: 3,
    });
    expect(result.definitions).toBe(1);
    const references = result.locations.filter((location) => location.role === 'reference');
    expect(references.map((location) => `${location.path}:${location.line}`)).toContain('src/cart.ts:2');
    expect(result.locations.some((location) => location.path === 'src/other.ts')).toBe(false);
  });

  it('pages', async () => {
    const first = await findSymbol(root, 'addCents', { pageSize: 1 });
    expect(first.locations).toHaveLength(1);
    expect(first.nextPage).toBe(2);
    const last = await findSymbol(root, 'addCents', { pageSize: 1, page: first.total });
    expect(last.nextPage).toBeUndefined();
  });

  it('finds a Python definition', async () => {
    const result = await findSymbol(root, 'add_cents');
    expect(result.locations[0]).toMatchObject({ path: 'tools/sum.py', line: 3, role: 'definition' });
  });

  it('refuses a name that is not an identifier', async () => {
    await expect(findSymbol(root, 'a b')).rejects.toThrow(/not an identifier/);
  });
});
