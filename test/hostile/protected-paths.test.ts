import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../support/cli.ts';
import { type Canaries, createAttackTally, createCanaries, runHostile, shellTurn } from './harness.ts';

/** The stdout part of a shell tool result. */
const stdoutOf = (output: string) => output.match(/\[stdout\]\n([\s\S]*?)(?:\n\[stderr\]|$)/)?.[1] ?? '';

describe('hostile: protected paths the repository does not have', () => {
  createAttackTally('protected-paths');
  let canaries: Canaries;
  beforeAll(async () => {
    canaries = await createCanaries();
    // A host directory shaped like what the agent aims at: Warden must never delete through a link to it.
    mkdirSync(path.join(canaries.outside, 'workflows'), { recursive: true });
    writeFileSync(path.join(canaries.outside, 'workflows', 'keep.yml'), 'host file\n');
  });
  afterAll(() => canaries.close());

  it('the agent sees exactly the repository: no placeholder in ls or git status', async () => {
    const outcome = await runHostile(canaries, 'no-placeholders', { 'README.md': 'hi\n' }, [
      shellTurn('ls -a', 'git status --porcelain --untracked-files=all'),
    ]);
    expect(outcome.code).toBe(0);
    expect(stdoutOf(outcome.outputs[0]!).split('\n').filter(Boolean)).toEqual([
      '.',
      '..',
      '.git',
      'README.md',
    ]);
    expect(outcome.outputs[1]).toMatch(/^exit code 0/);
    expect(stdoutOf(outcome.outputs[1]!)).toBe('');
  });

  it('whatever the agent creates at a protected path is removed after the command, never committed', async () => {
    const outcome = await runHostile(canaries, 'create-protected', { 'README.md': 'hi\n' }, [
      shellTurn(
        'echo "export EVIL=1" > .envrc && mkdir -p .github/workflows && echo "on: push" > .github/workflows/x.yml && echo x > Jenkinsfile && chmod 000 .github/workflows',
        'echo x > .ENVRC && mkdir -p .GitHub/Workflows && echo "on: push" > .GitHub/Workflows/y.yml && mkdir -p .GitHub/ISSUE_TEMPLATE && echo t > .GitHub/ISSUE_TEMPLATE/bug.md',
        'ls -a; ls -a .github .GitHub',
        'echo change >> README.md',
      ),
    ]);
    expect(outcome.code).toBe(0);
    expect(outcome.outputs[0]).toMatch(/sandbox limits reached: protected-path/);
    expect(outcome.outputs[0]).toMatch(
      /warden: removed what the command created at protected paths: .*\.envrc/,
    );
    expect(outcome.outputs[1]).toMatch(/warden: removed .*\.ENVRC/);
    const listed = stdoutOf(outcome.outputs[2]!);
    for (const name of ['.envrc', '.ENVRC', 'Jenkinsfile', 'workflows', 'Workflows']) {
      expect(listed).not.toContain(name);
    }
    // What is not protected stays: an issue template is the agent's to write.
    expect(listed).toContain('ISSUE_TEMPLATE');
    const tree = git(
      outcome.repo,
      'ls-tree',
      '-r',
      '--name-only',
      '--full-tree',
      String(outcome.report.branch),
    );
    expect(tree.split('\n').filter(Boolean)).toEqual(['.GitHub/ISSUE_TEMPLATE/bug.md', 'README.md']);
  });

  it('a .github symbolic link to a host directory makes Warden delete the link, never what it points to', async () => {
    const outcome = await runHostile(canaries, 'link-protected', { 'README.md': 'hi\n' }, [
      shellTurn(
        `ln -s ${canaries.outside} .github; mkdir -p .github/workflows; echo pwn > .github/workflows/keep.yml; ls -la`,
        'mkdir -p real && ln -s real .github && mkdir -p .github/workflows && echo "on: push" > .github/workflows/y.yml',
        'ls -a; echo change >> README.md',
      ),
    ]);
    expect(outcome.code).toBe(0);
    expect(readFileSync(path.join(canaries.outside, 'workflows', 'keep.yml'), 'utf8')).toBe('host file\n');
    expect(canaries.canaryIntact()).toBe(true);
    expect(outcome.outputs[0]).toMatch(/sandbox limits reached: protected-path/);
    expect(outcome.outputs[1]).toMatch(/sandbox limits reached: protected-path/);
    expect(stdoutOf(outcome.outputs[2]!)).not.toContain('.github');
    const tree = git(
      outcome.repo,
      'ls-tree',
      '-r',
      '--name-only',
      '--full-tree',
      String(outcome.report.branch),
    );
    expect(tree).not.toMatch(/\.github/);
    expect(existsSync(path.join(canaries.outside, 'workflows', 'keep.yml'))).toBe(true);
  });
});
