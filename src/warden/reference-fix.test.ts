import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitsMentioning, isTestPath, referencePatches } from './reference-fix.ts';

describe('isTestPath', () => {
  it('takes test directories and test file names, and nothing else', () => {
    for (const file of [
      'test/a.js',
      'tests/unit/b.py',
      'src/__tests__/c.tsx',
      'spec/d.rb',
      'pkg/lib/test/e.go',
      'src/f.test.ts',
      'src/g.spec.js',
      'h_test.go',
      'pkg/test_i.py',
    ]) {
      expect(isTestPath(file), file).toBe(true);
    }
    for (const file of [
      'src/testing.ts',
      'src/contest/a.js',
      'latest/x.js',
      'src/test_j.js',
      'testdata.json',
      'README.md',
    ]) {
      expect(isTestPath(file), file).toBe(false);
    }
  });
});

describe('referencePatches and commitsMentioning (real git)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'warden-reference-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { cwd: dir })
      .toString()
      .trim();
  const write = (files: Record<string, string>) => {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), content);
    }
    git('add', '-A');
  };

  it('splits base..fix into code and tests, and finds the commit that names the task', async () => {
    git('init', '-q', '--initial-branch=main');
    write({ 'src/a b.js': 'one\n', 'test/a.test.js': 'old\n', 'docs/x.md': 'x\n' });
    git('commit', '-qm', 'base');
    const base = git('rev-parse', 'HEAD');
    write({ 'src/a b.js': 'two\n', 'test/a.test.js': 'new\n', 'test/data.bin': '\0\x01binary' });
    git('commit', '-qm', 'fix\n\nWarden-Task: t20260101-000000-abcd');
    const fix = git('rev-parse', 'HEAD');
    git('revert', '--no-edit', 'HEAD');
    const patches = await referencePatches(dir, base, fix);
    expect(patches.codeFiles).toEqual(['src/a b.js']);
    expect(patches.testFiles).toEqual(['test/a.test.js', 'test/data.bin']);
    expect(patches.patch).toContain('+two');
    expect(patches.patch).not.toContain('test/');
    expect(patches.testPatch).toContain('GIT binary patch');
    expect(patches).toMatchObject({ commits: 1, descends: true });
    // The revert names the task too (it quotes the message), and is left out.
    expect(
      await commitsMentioning(dir, { taskId: 't20260101-000000-abcd', base, branch: null, exclude: [] }),
    ).toEqual([fix]);
    expect(
      await commitsMentioning(dir, { taskId: 't20260101-000000-abcd', base, branch: null, exclude: [fix] }),
    ).toEqual([]);
  });
});
