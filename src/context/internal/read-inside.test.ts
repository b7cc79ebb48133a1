import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInsideReader, readInside } from './read-inside.ts';

let scratch: string;
let root: string;

beforeAll(() => {
  scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'warden-read-inside-')));
  root = path.join(scratch, 'root');
  mkdirSync(path.join(root, 'src'), { recursive: true });
  writeFileSync(path.join(root, 'src/a.ts'), 'export const a = 1;\n');
  writeFileSync(path.join(root, 'big.ts'), 'x'.repeat(2000));
  mkdirSync(path.join(scratch, 'outside'));
  writeFileSync(path.join(scratch, 'outside/secret.ts'), 'export const secret = 1;\n');
  symlinkSync(path.join(scratch, 'outside/secret.ts'), path.join(root, 'src/link.ts'));
  symlinkSync(path.join(scratch, 'outside'), path.join(root, 'linked-dir'));
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cases: Array<[string, string | undefined]> = [
  ['src/a.ts', 'export const a = 1;\n'],
  ['src/link.ts', undefined],
  ['linked-dir/secret.ts', undefined],
  ['../outside/secret.ts', undefined],
  ['src', undefined],
  ['missing.ts', undefined],
  ['big.ts', undefined],
];

describe('reading a file inside a root', () => {
  it.each(cases)(
    '%s: the bytes of a regular file inside, nothing through a link or outside',
    async (file, expected) => {
      const decode = (bytes: Uint8Array | undefined) =>
        bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
      expect(decode(await readInside(root, file, 1000))).toBe(expected);
      expect(decode(createInsideReader(root)(file, 1000))).toBe(expected);
    },
  );
});
