import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractTags } from './extract-tags.ts';
import { createTagCache } from './tag-cache.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('createTagCache', () => {
  it('parses a content once, and again only when it changes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'warden-tag-cache-'));
    const parsed: string[] = [];
    const settings = {
      dir,
      extract: (file: string, content: Uint8Array) => {
        parsed.push(file);
        return extractTags(file, content);
      },
    };
    const first = createTagCache(settings);
    expect((await first.tags('a.ts', bytes('export function a() {}'))).cached).toBe(false);
    expect((await first.tags('b.ts', bytes('export function b() {}'))).cached).toBe(false);
    // A new cache on the same directory (the next run) parses nothing that did not change.
    const second = createTagCache(settings);
    const again = await second.tags('a.ts', bytes('export function a() {}'));
    expect(again.cached).toBe(true);
    expect(again.tags.definitions).toMatchObject([{ name: 'a', kind: 'function', line: 1 }]);
    expect((await second.tags('b.ts', bytes('export function b2() {}'))).cached).toBe(false);
    // The same bytes as another language are tagged again.
    expect((await second.tags('a.py', bytes('export function a() {}'))).cached).toBe(false);
    expect(parsed).toEqual(['a.ts', 'b.ts', 'b.ts', 'a.py']);
  });

  it('ignores a corrupt entry and rebuilds it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'warden-tag-cache-'));
    const cache = createTagCache({ dir });
    await cache.tags('a.ts', bytes('export class A {}'));
    for (const shard of readdirSync(dir)) {
      for (const entry of readdirSync(path.join(dir, shard))) {
        writeFileSync(
          path.join(dir, shard, entry),
          '{"version":"warden-tags-3","via":"syntax","definitions":[[1]]',
        );
      }
    }
    const rebuilt = await cache.tags('a.ts', bytes('export class A {}'));
    expect(rebuilt.cached).toBe(false);
    expect(rebuilt.tags.definitions).toMatchObject([{ name: 'A', kind: 'class' }]);
    expect((await cache.tags('a.ts', bytes('export class A {}'))).cached).toBe(true);
  });

  it('ignores an entry of the wrong shape (a tuple too short, a line not a number) and rebuilds it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'warden-tag-cache-'));
    const cache = createTagCache({ dir });
    await cache.tags('a.ts', bytes('export class A {}\nnew A();'));
    const wrong = [
      { definitions: [['A', 'class', 1, 1, 'export class A {}']], references: [] },
      { definitions: [['A', 'class', '1', 1, 'export class A {}', false]], references: [] },
      { definitions: [], references: [['A', 2, 3]] },
      { definitions: [], references: {} },
    ];
    for (const shape of wrong) {
      for (const shard of readdirSync(dir)) {
        for (const entry of readdirSync(path.join(dir, shard))) {
          writeFileSync(
            path.join(dir, shard, entry),
            JSON.stringify({ version: 'warden-tags-3', via: 'syntax', ...shape }),
          );
        }
      }
      const rebuilt = await cache.tags('a.ts', bytes('export class A {}\nnew A();'));
      expect(rebuilt.cached).toBe(false);
      expect(rebuilt.tags.definitions).toMatchObject([{ name: 'A', kind: 'class', line: 1 }]);
    }
  });

  it('keeps working when the directory cannot be written', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'warden-tag-cache-')), 'not-a-dir');
    writeFileSync(file, '');
    const cache = createTagCache({ dir: file });
    const result = await cache.tags('a.ts', bytes('export class A {}'));
    expect(result.tags.definitions).toHaveLength(1);
  });
});
