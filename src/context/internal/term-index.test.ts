import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalizeSignals, localizeSignals } from '../localize.ts';

let root: string;
let cacheDir: string;

const write = (file: string, content: string) => {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), content);
};

const TASK =
  'Parsing `--flag=a=b` with `parseArgs` keeps only `a`: the value after the second equals sign is lost. The tokenizer splits the option too early.';

/** What a user of the signals sees, without whether the index came from the cache. */
const answer = ({ cached: _cached, ...rest }: LocalizeSignals) => rest;
const uncached = async () => answer(await localizeSignals({ root, task: TASK }));
const withCache = () => localizeSignals({ root, task: TASK, cacheDir });
const indexFile = () => {
  const dir = path.join(cacheDir, 'term-index');
  const [hash] = readdirSync(dir);
  return path.join(dir, hash as string, 'index.bin');
};

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'warden-term-index-'));
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'warden-term-index-cache-'));
  write(
    'src/parse-args.ts',
    'export function parseArgs(argv: string[]) {\n  return argv.map((arg) => tokenizeOption(arg));\n}\n',
  );
  write(
    'src/tokenize.ts',
    "export function tokenizeOption(option: string) {\n  const [flag, value] = option.split('=');\n  return { flag, value };\n}\n",
  );
  write('src/help.ts', 'export function printHelp() {\n  return "usage: tool --flag=value";\n}\n');
  write('src/colors.ts', "export const red = (text: string) => '\\u001b[31m' + text;\n");
  write('README.md', '# tool\n\nOptions are given as --flag=value.\n');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('the cached term index', () => {
  it('answers from the cache what a run without one answers', async () => {
    const first = await withCache();
    const second = await withCache();
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(answer(second)).toEqual(await uncached());
  });

  it('after a file is edited, one added and one deleted, answers what a run without a cache answers', async () => {
    await withCache();
    write(
      'src/tokenize.ts',
      "export function tokenizeOption(option: string) {\n  const at = option.indexOf('=');\n  return { flag: option.slice(0, at), value: option.slice(at + 1) };\n}\n",
    );
    write(
      'src/split-option.ts',
      'export function splitOption(option: string) {\n  return option.split("=");\n}\n',
    );
    rmSync(path.join(root, 'src/colors.ts'));
    const updated = await withCache();
    const expected = await uncached();
    expect(updated.cached).toBe(false);
    expect(answer(updated)).toEqual(expected);
    const paths = updated.candidates.map((candidate) => candidate.path);
    expect(paths).toContain('src/split-option.ts');
    expect(paths).not.toContain('src/colors.ts');
    // The updated index is saved: the next run reads it whole and still agrees.
    const again = await withCache();
    expect(again.cached).toBe(true);
    expect(answer(again)).toEqual(expected);
  });

  it('treats a truncated index file as absent: rebuilds it and answers as without a cache', async () => {
    await withCache();
    truncateSync(indexFile(), 100);
    const rebuilt = await withCache();
    expect(rebuilt.cached).toBe(false);
    expect(answer(rebuilt)).toEqual(await uncached());
    expect((await withCache()).cached).toBe(true);
  });

  it('treats a garbage index file as absent, and so a change after it', async () => {
    await withCache();
    writeFileSync(indexFile(), Buffer.alloc(4096, 0x5a));
    const rebuilt = await withCache();
    expect(rebuilt.cached).toBe(false);
    expect(answer(rebuilt)).toEqual(await uncached());
    writeFileSync(indexFile(), 'not an index');
    write(
      'src/help.ts',
      'export function printHelp() {\n  return "usage: tool --flag=value (values may hold =)";\n}\n',
    );
    expect(answer(await withCache())).toEqual(await uncached());
  });

  it('does not trust postings changed on disk behind a valid header: rebuilds instead', async () => {
    await withCache();
    const file = indexFile();
    const bytes = readFileSync(file);
    // Header word 4 counts the (document, frequency) pairs that end the file: point each past the end.
    const postings = bytes.readUInt32LE(16);
    for (let pair = 0; pair < postings; pair++)
      bytes.writeUInt32LE(0xffff_fff0, bytes.length - 8 * (postings - pair));
    writeFileSync(file, bytes);
    const answered = await withCache();
    expect(answered.cached).toBe(false);
    expect(answer(answered)).toEqual(await uncached());
  });
});
