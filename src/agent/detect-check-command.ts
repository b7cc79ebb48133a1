import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** A test command found in a repository, and the file that named it. */
export interface DetectedCheck {
  /** The command, run in the sandbox at the workspace root (`npm test`). */
  command: string;
  /** The file (or files) that made Warden choose it, for the journal and the run header. */
  source: string;
}

/** Files larger than this are not read: a manifest is small, and the repository is untrusted. */
const MAX_MANIFEST_BYTES = 1_000_000;

/** The test script `npm init` writes: a placeholder that always fails, not a test command. */
const NPM_PLACEHOLDER = /^echo "Error: no test specified" && exit 1$/;

const PackageJsonSchema = z.looseObject({
  scripts: z.record(z.string(), z.unknown()).optional(),
  packageManager: z.string().optional(),
});

/** Lockfiles in the order they are looked for, and the command that runs the `test` script with each. */
const LOCKFILES: readonly { file: string; command: string }[] = [
  { file: 'pnpm-lock.yaml', command: 'pnpm test' },
  { file: 'yarn.lock', command: 'yarn test' },
  { file: 'bun.lock', command: 'bun run test' },
  { file: 'bun.lockb', command: 'bun run test' },
  { file: 'package-lock.json', command: 'npm test' },
  { file: 'npm-shrinkwrap.json', command: 'npm test' },
];

/**
 * Finds the repository's own test command in `dir` (a task's workspace, at its base commit), looking in
 * this order and taking the first that applies:
 *
 * 1. `package.json` with a `test` script (not npm's placeholder): run by the package manager its
 *    lockfile names (`pnpm-lock.yaml` → `pnpm test`, `yarn.lock` → `yarn test`, `bun.lock(b)` →
 *    `bun run test`, `package-lock.json` → `npm test`), else by its `packageManager` field, else `npm test`;
 * 2. pytest configuration (`pytest.ini`, `conftest.py`, `[tool.pytest.ini_options]` in
 *    `pyproject.toml`, `[tool:pytest]` in `setup.cfg`, `[pytest]` in `tox.ini`) or `test_*.py` files at
 *    the root or in `tests/` or `test/` → `python3 -m pytest`;
 * 3. `tox.ini` → `tox`;
 * 4. `go.mod` → `go test ./...`;
 * 5. `Cargo.toml` → `cargo test`;
 * 6. a `Makefile` (`GNUmakefile`, `makefile`) with a `test` target → `make test`.
 *
 * Only regular files are read (a symbolic link counts as absent: the repository is untrusted and the
 * files are read outside the sandbox), each at most 1 MB. Returns `undefined` when nothing applies.
 */
export async function detectCheckCommand(dir: string): Promise<DetectedCheck | undefined> {
  return (
    (await fromPackageJson(dir)) ??
    (await fromPytest(dir)) ??
    ((await isFile(dir, 'tox.ini')) ? { command: 'tox', source: 'tox.ini' } : undefined) ??
    ((await isFile(dir, 'go.mod')) ? { command: 'go test ./...', source: 'go.mod' } : undefined) ??
    ((await isFile(dir, 'Cargo.toml')) ? { command: 'cargo test', source: 'Cargo.toml' } : undefined) ??
    (await fromMakefile(dir))
  );
}

async function fromPackageJson(dir: string): Promise<DetectedCheck | undefined> {
  const text = await readSmallFile(dir, 'package.json');
  if (text === undefined) return undefined;
  let parsed: z.infer<typeof PackageJsonSchema>;
  try {
    const result = PackageJsonSchema.safeParse(JSON.parse(text));
    if (!result.success) return undefined;
    parsed = result.data;
  } catch {
    return undefined; // not JSON: no test script Warden can trust to exist
  }
  const script = parsed.scripts?.test;
  if (typeof script !== 'string' || script.trim() === '' || NPM_PLACEHOLDER.test(script.trim()))
    return undefined;
  for (const lock of LOCKFILES) {
    if (await isFile(dir, lock.file))
      return { command: lock.command, source: `package.json scripts.test, ${lock.file}` };
  }
  const manager = /^(npm|pnpm|yarn|bun)@/.exec(parsed.packageManager ?? '')?.[1];
  const command =
    manager === undefined || manager === 'npm'
      ? 'npm test'
      : `${manager} ${manager === 'bun' ? 'run test' : 'test'}`;
  return {
    command,
    source: manager === undefined ? 'package.json scripts.test' : 'package.json scripts.test, packageManager',
  };
}

async function fromPytest(dir: string): Promise<DetectedCheck | undefined> {
  const found = (source: string): DetectedCheck => ({ command: 'python3 -m pytest', source });
  for (const file of ['pytest.ini', 'conftest.py']) if (await isFile(dir, file)) return found(file);
  const sections: readonly [string, RegExp][] = [
    ['pyproject.toml', /^\[tool\.pytest\.ini_options\]/m],
    ['setup.cfg', /^\[tool:pytest\]/m],
    ['tox.ini', /^\[pytest\]/m],
  ];
  for (const [file, section] of sections) {
    const text = await readSmallFile(dir, file);
    if (text !== undefined && section.test(text)) return found(file);
  }
  for (const folder of ['.', 'tests', 'test']) {
    const stats = await lstat(path.join(dir, folder)).catch(() => undefined);
    if (!stats?.isDirectory()) continue;
    const names = await readdir(path.join(dir, folder)).catch(() => [] as string[]);
    const test = names.find((name) => /^test_.*\.py$|_test\.py$/.test(name));
    if (test !== undefined && (await isFile(dir, path.join(folder, test))))
      return found(path.join(folder, test));
  }
  return undefined;
}

async function fromMakefile(dir: string): Promise<DetectedCheck | undefined> {
  // GNU make's own order of names.
  for (const file of ['GNUmakefile', 'makefile', 'Makefile']) {
    const text = await readSmallFile(dir, file);
    if (text === undefined) continue;
    // A rule whose targets include `test` (`test:`, `check test: build`), not a variable (`test := x`).
    const hasTarget = text
      .split('\n')
      .some(
        (line) => /^[^\s#=:][^=:]*:(?![=:])/.test(line) && line.split(':')[0]!.split(/\s+/).includes('test'),
      );
    return hasTarget ? { command: 'make test', source: `${file} test target` } : undefined;
  }
  return undefined;
}

/** Whether `name` under `dir` is a regular file (not a link, not a directory). */
async function isFile(dir: string, name: string): Promise<boolean> {
  const stats = await lstat(path.join(dir, name)).catch(() => undefined);
  return stats?.isFile() === true;
}

/** The text of a regular file of at most `MAX_MANIFEST_BYTES`; `undefined` for anything else. */
async function readSmallFile(dir: string, name: string): Promise<string | undefined> {
  const file = path.join(dir, name);
  const stats = await lstat(file).catch(() => undefined);
  if (!stats?.isFile() || stats.size > MAX_MANIFEST_BYTES) return undefined;
  return readFile(file, 'utf8').catch(() => undefined);
}
