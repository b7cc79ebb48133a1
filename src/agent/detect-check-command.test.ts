import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectCheckCommand } from './detect-check-command.ts';

const root = mkdtempSync(path.join(tmpdir(), 'warden-detect-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A real git repository holding `files`, as a task's workspace would be cloned from. */
function repository(name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
      cwd: dir,
      stdio: 'pipe',
    });
  git('init', '--quiet', '--initial-branch=main');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'initial');
  return dir;
}

const packageJson = (scripts: Record<string, string>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name: 'app', version: '1.0.0', scripts, ...extra });

describe('detectCheckCommand', () => {
  it('runs the test script with the package manager the lockfile names', async () => {
    const cases: [string, string][] = [
      ['package-lock.json', 'npm test'],
      ['pnpm-lock.yaml', 'pnpm test'],
      ['yarn.lock', 'yarn test'],
      ['bun.lock', 'bun run test'],
    ];
    for (const [lockfile, command] of cases) {
      const dir = repository(`node-${lockfile}`, {
        'package.json': packageJson({ test: 'vitest run' }),
        [lockfile]: '{}\n',
      });
      expect(await detectCheckCommand(dir)).toEqual({
        command,
        source: `package.json scripts.test, ${lockfile}`,
      });
    }
  });

  it('falls back to the packageManager field, then to npm', async () => {
    const pnpm = repository('node-field', {
      'package.json': packageJson({ test: 'node --test' }, { packageManager: 'pnpm@9.1.0' }),
    });
    expect((await detectCheckCommand(pnpm))?.command).toBe('pnpm test');
    const plain = repository('node-plain', { 'package.json': packageJson({ test: 'node --test' }) });
    expect(await detectCheckCommand(plain)).toEqual({
      command: 'npm test',
      source: 'package.json scripts.test',
    });
  });

  it("does not take npm init's placeholder, an empty script or a broken package.json for a test command", async () => {
    const placeholder = repository('node-placeholder', {
      'package.json': packageJson({ test: 'echo "Error: no test specified" && exit 1' }),
      'package-lock.json': '{}\n',
    });
    expect(await detectCheckCommand(placeholder)).toBeUndefined();
    const empty = repository('node-empty', { 'package.json': packageJson({ test: ' ' }) });
    expect(await detectCheckCommand(empty)).toBeUndefined();
    const broken = repository('node-broken', { 'package.json': '{ "scripts": { "test": ' });
    expect(await detectCheckCommand(broken)).toBeUndefined();
    // A placeholder does not hide a test command further down the order.
    const withMake = repository('node-placeholder-make', {
      'package.json': packageJson({ test: 'echo "Error: no test specified" && exit 1' }),
      Makefile: 'test:\n\tnode --test\n',
    });
    expect((await detectCheckCommand(withMake))?.command).toBe('make test');
  });

  it('finds pytest from its configuration or from test files', async () => {
    const configured = repository('py-pyproject', {
      'pyproject.toml': '[project]\nname = "app"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    });
    expect(await detectCheckCommand(configured)).toEqual({
      command: 'python3 -m pytest',
      source: 'pyproject.toml',
    });
    const bare = repository('py-bare', {
      'app.py': 'def add(a, b):\n    return a + b\n',
      'tests/test_app.py': 'from app import add\n\ndef test_add():\n    assert add(1, 2) == 3\n',
    });
    expect(await detectCheckCommand(bare)).toEqual({
      command: 'python3 -m pytest',
      source: path.join('tests', 'test_app.py'),
    });
    const tox = repository('py-tox', { 'tox.ini': '[tox]\nenvlist = py312\n' });
    expect(await detectCheckCommand(tox)).toEqual({ command: 'tox', source: 'tox.ini' });
  });

  it('finds go, cargo and make test commands', async () => {
    const go = repository('go', {
      'go.mod': 'module example.com/app\n\ngo 1.22\n',
      'add_test.go': 'package app\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {}\n',
    });
    expect(await detectCheckCommand(go)).toEqual({ command: 'go test ./...', source: 'go.mod' });
    const cargo = repository('cargo', { 'Cargo.toml': '[package]\nname = "app"\nversion = "0.1.0"\n' });
    expect((await detectCheckCommand(cargo))?.command).toBe('cargo test');
    const make = repository('make', {
      Makefile: 'CC := cc\n\nbuild:\n\t$(CC) -o app app.c\n\ncheck test: build\n\t./app --self-test\n',
    });
    expect(await detectCheckCommand(make)).toEqual({ command: 'make test', source: 'Makefile test target' });
  });

  it('does not take a Makefile without a test target, or a variable named test, for one', async () => {
    const noTarget = repository('make-none', { Makefile: 'test := unit\n\nbuild:\n\tcc app.c\n' });
    expect(await detectCheckCommand(noTarget)).toBeUndefined();
    expect(await detectCheckCommand(repository('nothing', { 'README.md': '# hi\n' }))).toBeUndefined();
  });

  it('reads no file through a symbolic link (the repository is untrusted and read outside the sandbox)', async () => {
    const outside = path.join(root, 'outside');
    mkdirSync(path.join(outside, 'tests'), { recursive: true });
    writeFileSync(path.join(outside, 'package.json'), packageJson({ test: 'node --test' }));
    writeFileSync(path.join(outside, 'Makefile'), 'test:\n\ttrue\n');
    writeFileSync(path.join(outside, 'tests', 'test_x.py'), 'def test_x():\n    pass\n');
    const dir = repository('links', { 'README.md': '# links\n' });
    symlinkSync(path.join(outside, 'package.json'), path.join(dir, 'package.json'));
    symlinkSync(path.join(outside, 'Makefile'), path.join(dir, 'Makefile'));
    symlinkSync(path.join(outside, 'tests'), path.join(dir, 'tests'));
    symlinkSync(path.join(outside, 'package.json'), path.join(dir, 'go.mod'));
    expect(await detectCheckCommand(dir)).toBeUndefined();
  });
});
