import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRipgrep } from './internal/host-search-sources.ts';
import { searchText, type TextSearchOptions } from './text-search.ts';

let scratch: string;
let root: string;
const ripgrep = await findRipgrep();
if (ripgrep === undefined) {
  // CI installs it (.ci/run): there, both engines must be compared, not only the fallback.
  if (process.env.CI) throw new Error('ripgrep is missing: CI must install it (apt-get install ripgrep)');
  console.warn(
    'text search: ripgrep is not installed; only the JavaScript engine is tested (apt-get install ripgrep)',
  );
}
const engines = ripgrep === undefined ? (['javascript'] as const) : (['ripgrep', 'javascript'] as const);

async function put(relative: string, content: string | Buffer): Promise<void> {
  await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
  await writeFile(path.join(root, relative), content);
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'warden-text-search-'));
  root = path.join(scratch, 'repo');
  await mkdir(root);
  await put('.gitignore', 'dist/\n*.log\n');
  await put(
    'src/alpha.ts',
    ['import { beta } from "./beta";', '', 'export function alpha() {', '  return beta() + 1;', '}', ''].join(
      '\n',
    ),
  );
  await put('src/beta.ts', 'export function beta() {\n  return 41; // Beta value\n}\n');
  await put('src/beta.test.ts', 'import { beta } from "./beta";\ntest("beta", () => beta());\n');
  await put('src/crlf.ts', 'const beta = 1;\r\nconst gamma = beta;\r\n');
  await put('src/unicode.ts', 'const café = "naïve"; const beta = "ß";\n');
  await put('src/deep/nested/file.ts', 'beta(); beta(); // two on one line\n');
  await put('src.ts', 'export const beta = 0;\n');
  await put('.hidden/config.ts', 'beta hidden\n');
  await put('dist/bundle.js', 'beta in dist\n');
  await put('debug.log', 'beta in a log\n');
  await put('node_modules/lib/index.js', 'beta in node_modules\n');
  await put('image.ts', Buffer.concat([Buffer.from('beta'), Buffer.from([0, 1, 2]), Buffer.from('beta')]));
  await put('minified.js', `${'var a=1;'.repeat(50_000)}beta();${'var b=2;'.repeat(1000)}\n`);
  await put('huge.ts', `beta\n${'x'.repeat(2 * 1024 * 1024)}\n`);
  await put('no-newline.ts', 'first\nlast beta');
  await writeFile(path.join(scratch, 'outside.ts'), 'beta outside the root\n');
  await symlink(path.join(scratch, 'outside.ts'), path.join(root, 'linked.ts'));
  await symlink('..', path.join(root, 'src', 'loop'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const cases: Array<[string, TextSearchOptions]> = [
  ['a literal', { pattern: 'beta' }],
  ['a literal with regex characters', { pattern: 'beta()' }],
  ['a regex', { pattern: 'beta\\(\\)\\s*[+;]', regex: true }],
  ['case-insensitive', { pattern: 'BETA VALUE', caseSensitive: false }],
  ['with context lines', { pattern: 'return', contextLines: 2 }],
  ['with globs', { pattern: 'beta', globs: ['src/**', '!*.test.ts'] }],
  ['a glob that names an ignored file', { pattern: 'beta', globs: ['*.log'] }],
  ['a name-only glob', { pattern: 'beta', globs: ['*.test.ts'] }],
  ['with no match', { pattern: 'no such text anywhere' }],
  ['anchored', { pattern: '^const', regex: true }],
  ['line-ending anchors', { pattern: 'beta;$', regex: true }],
];

describe.each(engines)('searchText with %s', (engine) => {
  it.each(cases)('agrees with the other engine: %s', async (_name, options) => {
    const result = await searchText(root, { ...options, engine });
    const other = await searchText(root, { ...options, engine: 'javascript' });
    expect(result.engine).toBe(engine);
    expect({ ...result, engine: undefined }).toEqual({ ...other, engine: undefined });
  });

  it('finds literal matches in path order with 1-based lines and columns', async () => {
    const result = await searchText(root, { pattern: 'beta', engine });
    const where = result.matches.map((match) => `${match.path}:${match.line}:${match.column}`);
    // ripgrep's path order: each directory's entries by name, so `src/…` comes before `src.ts`.
    expect(where).toEqual([
      '.hidden/config.ts:1:1',
      'minified.js:1:400001',
      'no-newline.ts:2:6',
      'src/alpha.ts:1:10',
      'src/alpha.ts:4:10',
      'src/beta.test.ts:1:10',
      'src/beta.test.ts:2:7',
      'src/beta.ts:1:17',
      'src/crlf.ts:1:7',
      'src/crlf.ts:2:15',
      'src/deep/nested/file.ts:1:1',
      'src/unicode.ts:1:29',
      'src.ts:1:14',
    ]);
    expect(result.truncated).toBe(false);
  });

  it('skips ignored, binary, oversized, linked and node_modules files, and cuts long lines', async () => {
    const result = await searchText(root, { pattern: 'beta', engine });
    const paths = new Set(result.matches.map((match) => match.path));
    for (const skipped of [
      'dist/bundle.js',
      'debug.log',
      'node_modules/lib/index.js',
      'image.ts',
      'huge.ts',
      'linked.ts',
    ])
      expect(paths.has(skipped)).toBe(false);
    expect([...paths].some((file) => file.includes('loop'))).toBe(false);
    const minified = result.matches.find((match) => match.path === 'minified.js');
    expect(minified?.text.length).toBeLessThanOrEqual(402);
    expect(minified?.text).toContain('beta();');
  });

  it('pages, and says when maxMatches cut the search', async () => {
    const first = await searchText(root, { pattern: 'beta', pageSize: 5, engine });
    expect(first.matches).toHaveLength(5);
    expect(first.nextPage).toBe(2);
    const third = await searchText(root, { pattern: 'beta', pageSize: 5, page: 3, engine });
    expect(third.nextPage).toBeUndefined();
    expect(third.matches.length).toBe(first.total - 10);
    const cut = await searchText(root, { pattern: 'beta', maxMatches: 3, engine });
    expect(cut.total).toBe(3);
    expect(cut.truncated).toBe(true);
    const exact = await searchText(root, { pattern: 'beta', maxMatches: first.total, engine });
    expect(exact.truncated).toBe(false);
  });

  it('refuses a pattern neither engine supports', async () => {
    await expect(searchText(root, { pattern: '(?=beta)', regex: true, engine })).rejects.toThrow(
      /look-around/,
    );
    await expect(searchText(root, { pattern: '(a)\\1', regex: true, engine })).rejects.toThrow(
      /back-references/,
    );
    await expect(searchText(root, { pattern: '(unclosed', regex: true, engine })).rejects.toThrow();
  });
});

describe('searchText in JavaScript', () => {
  it('stops a pattern that backtracks without end when the time budget runs out', async () => {
    await put('redos/evil.txt', `${'a'.repeat(40)}!\n`);
    const result = await searchText(path.join(root, 'redos'), {
      pattern: '(a|aa)+$',
      regex: true,
      engine: 'javascript',
      timeoutMs: 500,
    });
    expect(result.truncated).toBe(true);
    expect(result.matches).toEqual([]);
  });
});
