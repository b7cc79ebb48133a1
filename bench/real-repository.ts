import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import {
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SystemError } from '../src/spec/errors.ts';
import { runCommand } from './run-command.ts';

/**
 * The large repository of the real-repository benchmark, built WITHOUT network from package sources
 * already on disk: the npm packages installed in the project's own `node_modules` (TypeScript, the AI
 * SDK, Octokit, zod, @types/node, vite, …). Their text files (`.js .mjs .cjs .ts .mts .cts .json .md .map
 * .h .c .cc`) of at least 768 bytes, in sorted path order, go under `packages/` (the `node_modules/`
 * prefix dropped); nested `node_modules` (duplicate versions), dot-directories (tool caches) and the
 * `node` package (the Node binary's C headers, not an npm package's source) stay out. The 768-byte floor
 * makes the tree about the size the issue measured (≈4.5k files, ≈110 MB, ≈2.3 M lines). The files go
 * in over nine commits, with fixed dates; a small harness (README, `package.json`, `src/count-lines.js`
 * with a bug the edit step fixes, its test) goes in with the first.
 *
 * The result is cached under the OS temp directory by a digest of what went in (each source path, size
 * and modification time, and this builder's format), so a second bench run reuses it; only a private
 * directory of the same user is reused.
 */
export interface BenchRepository {
  /** The repository's root (a git work tree); treat it as read-only: clone it. */
  dir: string;
  files: number;
  bytes: number;
  lines: number;
  commits: number;
  /** The six largest files a model's read_file can read whole (≤ 8 MB), source maps left out. */
  largeFiles: string[];
  /** What the repository was built from, for the printed line. */
  source: string;
  /** Whether this run reused the cached build. */
  reused: boolean;
}

/** Bumped whenever the selection or the layout changes, so an old cached build is not reused. */
const BUILD_FORMAT = 'warden-bench-repository/1';
const EXTENSIONS = new Set([
  '.js',
  '.mjs',
  '.cjs',
  '.ts',
  '.mts',
  '.cts',
  '.json',
  '.md',
  '.map',
  '.h',
  '.c',
  '.cc',
]);
const MIN_FILE_BYTES = 768;
const COMMITS = 9;
/** The file tools read at most 8 MB (`workspace-files.ts`); a "large read" must fit. */
const MAX_READ_BYTES = 8 * 1024 * 1024;

interface SourceFile {
  /** Path under node_modules, with `/` separators. */
  relative: string;
  size: number;
  mtimeMs: number;
}

/** Builds (or reuses) the large repository; see {@link BenchRepository}. */
export async function realRepository(): Promise<BenchRepository> {
  const modules = realpathSync(fileURLToPath(new URL('../node_modules/', import.meta.url)));
  const sources = await selectSources(modules);
  const digest = createHash('sha256').update(BUILD_FORMAT);
  for (const file of sources) digest.update(`${file.relative}\0${file.size}\0${file.mtimeMs}\n`);
  const cacheDir = path.join(tmpdir(), `warden-bench-repository-${digest.digest('hex').slice(0, 16)}`);
  const cached = await readCache(cacheDir);
  if (cached) return { ...cached, reused: true };
  // A private directory of our own (the temp directory is shared), renamed into place once complete.
  const partial = await mkdtemp(`${cacheDir}.partial-`);
  try {
    const built = await build(modules, sources, path.join(partial, 'repo'));
    const manifest: BenchRepository = { ...built, dir: path.join(cacheDir, 'repo'), reused: false };
    await writeFile(path.join(partial, 'manifest.json'), JSON.stringify(manifest));
    await rename(partial, cacheDir);
    return manifest;
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    // Another run may have finished the same build first: use it.
    const raced = await readCache(cacheDir).catch(() => undefined);
    if (raced) return { ...raced, reused: true };
    throw error;
  }
}

const ManifestSchema = z.object({
  dir: z.string(),
  files: z.number(),
  bytes: z.number(),
  lines: z.number(),
  commits: z.number(),
  largeFiles: z.array(z.string()),
  source: z.string(),
});

/**
 * The cached build, if there is one: only from a directory this user owns that no one else can write,
 * since the benchmark runs the repository's test bare (outside any sandbox). Undefined when absent.
 */
async function readCache(cacheDir: string): Promise<Omit<BenchRepository, 'reused'> | undefined> {
  const info = await lstat(cacheDir).catch(() => undefined);
  if (!info) return undefined;
  if (!info.isDirectory() || info.uid !== process.getuid?.() || (info.mode & 0o022) !== 0) {
    throw new SystemError('sandbox-failed', `${cacheDir} is not a private directory of this user`, {
      hint: 'remove it: the benchmark builds its repository again',
    });
  }
  const text = await readFile(path.join(cacheDir, 'manifest.json'), 'utf8').catch(() => undefined);
  const manifest = text === undefined ? undefined : ManifestSchema.safeParse(JSON.parse(text));
  if (!manifest?.success || manifest.data.dir !== path.join(cacheDir, 'repo')) {
    throw new SystemError('sandbox-failed', `${cacheDir} holds no complete build`, {
      hint: 'remove it: the benchmark builds its repository again',
    });
  }
  return manifest.data;
}

async function selectSources(modules: string): Promise<SourceFile[]> {
  const selected: SourceFile[] = [];
  const walk = async (relativeDir: string): Promise<void> => {
    const entries = await readdir(path.join(modules, relativeDir), { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      if (relativeDir === '' && entry.name === 'node') continue;
      const relative = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) await walk(relative);
      else if (entry.isFile() && EXTENSIONS.has(path.extname(entry.name))) {
        const info = await stat(path.join(modules, relative));
        if (info.size >= MIN_FILE_BYTES) selected.push({ relative, size: info.size, mtimeMs: info.mtimeMs });
      }
    }
  };
  await walk('');
  // Code-unit order, not locale order: the same list on every machine.
  return selected.sort((left, right) => (left.relative < right.relative ? -1 : 1));
}

async function build(
  modules: string,
  sources: SourceFile[],
  dir: string,
): Promise<Omit<BenchRepository, 'dir' | 'reused'>> {
  await mkdir(dir, { recursive: true });
  await git(dir, ['init', '--quiet', '--template=', '--initial-branch=main']);
  for (const [name, content] of Object.entries(HARNESS_FILES)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  const perCommit = Math.ceil(sources.length / COMMITS);
  let lines = Object.values(HARNESS_FILES).reduce((sum, content) => sum + countNewlines(content), 0);
  for (let commit = 0; commit < COMMITS; commit++) {
    const chunk = sources.slice(commit * perCommit, (commit + 1) * perCommit);
    for (const file of chunk) {
      const target = path.join(dir, 'packages', file.relative);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(path.join(modules, file.relative), target);
      lines += countNewlines(await readFile(target));
    }
    const first = chunk[0]?.relative.split('/')[0] ?? '';
    const last = chunk.at(-1)?.relative.split('/')[0] ?? '';
    await git(dir, ['add', '--all']);
    const date = `2026-01-0${commit + 1}T12:00:00Z`;
    await git(dir, ['commit', '--quiet', '-m', `Vendor package sources ${first} … ${last}`], {
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    });
  }
  const largeFiles = sources
    .filter((file) => file.size <= MAX_READ_BYTES && !file.relative.endsWith('.map'))
    .sort((left, right) => right.size - left.size)
    .slice(0, 6)
    .map((file) => `packages/${file.relative}`);
  const harnessBytes = Object.values(HARNESS_FILES).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  return {
    files: sources.length + Object.keys(HARNESS_FILES).length,
    bytes: sources.reduce((sum, file) => sum + file.size, harnessBytes),
    lines,
    commits: COMMITS,
    largeFiles,
    source: "the npm packages' sources in the project's node_modules",
  };
}

function countNewlines(content: string | Buffer): number {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  let count = 0;
  for (let index = bytes.indexOf(10); index !== -1; index = bytes.indexOf(10, index + 1)) count++;
  return count;
}

function git(cwd: string, args: string[], env: Record<string, string> = {}) {
  return runCommand('git', ['-c', 'user.name=Bench Vendor', '-c', 'user.email=vendor@example.com', ...args], {
    cwd,
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', ...env },
  });
}

/**
 * The harness the trajectory works on: `countLines` counts a final newline as the start of a line, the
 * test says it should not, and the trajectory's one edit fixes it (so the check passes at the end).
 */
const HARNESS_FILES: Record<string, string> = {
  'README.md': `# vendored-sources

The sources of the npm packages a TypeScript project depends on, vendored under \`packages/\`, and a
small tool that counts lines (\`src/count-lines.js\`). Built by Warden's benchmark from the packages
installed with the project, so that it has a large real-source tree; not a project of its own.

Run the tests with \`npm test\`.
`,
  'package.json': `${JSON.stringify(
    {
      name: 'vendored-sources',
      version: '1.0.0',
      private: true,
      type: 'module',
      scripts: { test: 'node --test test/packages.test.js' },
    },
    null,
    2,
  )}\n`,
  'src/count-lines.js': `/** Counts the lines of a text: a final newline ends the last line, it does not start a new one. */
export function countLines(text) {
  if (text === '') return 0;
  return text.split('\\n').length;
}
`,
  'test/packages.test.js': `import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { countLines } from '../src/count-lines.js';

test('a final newline ends the last line', () => {
  assert.equal(countLines(''), 0);
  assert.equal(countLines('one'), 1);
  assert.equal(countLines('one\\ntwo\\n'), 2);
});

test('every vendored package manifest parses', () => {
  const manifests = readdirSync('packages', { recursive: true }).filter((name) =>
    String(name).endsWith('package.json'),
  );
  assert.ok(manifests.length > 0);
  for (const name of manifests) {
    const manifest = JSON.parse(readFileSync(\`packages/\${name}\`, 'utf8'));
    assert.equal(typeof manifest, 'object');
  }
});
`,
};

/** The one edit of the large trajectory: the fix the harness's test asks for. */
export const HARNESS_EDIT = {
  path: 'src/count-lines.js',
  old_string: "  return text.split('\\n').length;",
  new_string: "  return text.split('\\n').length - (text.endsWith('\\n') ? 1 : 0);",
};
