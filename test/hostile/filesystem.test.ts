import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../support/cli.ts';
import { type Canaries, createAttackTally, createCanaries, runHostile, shellTurn } from './harness.ts';

describe('hostile: escaping the workspace through the file system', () => {
  createAttackTally('filesystem');
  let canaries: Canaries;
  beforeAll(async () => {
    canaries = await createCanaries();
  });
  afterAll(() => canaries.close());

  it('refuses symlinks, .. and absolute paths that lead outside, through every file tool', async () => {
    const outcome = await runHostile(
      canaries,
      'symlinks',
      { 'README.md': 'hi\n' },
      [
        { tool_calls: [{ name: 'read_file', input: { path: 'escape/canary.txt' } }] },
        { tool_calls: [{ name: 'write_file', input: { path: 'escape/canary.txt', content: 'owned' } }] },
        { tool_calls: [{ name: 'write_file', input: { path: 'canary-link', content: 'owned' } }] },
        {
          tool_calls: [
            {
              name: 'edit_file',
              input: { path: 'canary-link', old_string: 'untouched', new_string: 'owned' },
            },
          ],
        },
        { tool_calls: [{ name: 'read_file', input: { path: '../../outside/canary.txt' } }] },
        { tool_calls: [{ name: 'write_file', input: { path: canaries.canaryFile, content: 'owned' } }] },
        { tool_calls: [{ name: 'list_files', input: { path: 'escape' } }] },
      ],
      {
        prepare: (repo) => {
          // Planted after the commit, so they are in the user's checkout only if committed: commit them.
          symlinkSync(canaries.outside, path.join(repo, 'escape'));
          symlinkSync(canaries.canaryFile, path.join(repo, 'canary-link'));
          git(repo, '-c', 'user.name=x', '-c', 'user.email=x@x', 'add', '-A');
          git(repo, '-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '-qm', 'links');
        },
      },
    );
    expect(outcome.code).toBe(0);
    expect(outcome.outputs).toHaveLength(7);
    for (const output of outcome.outputs)
      expect(output).toMatch(/outside the workspace|symbolic link|climbs out/);
    expect(canaries.canaryIntact()).toBe(true);
  });

  it('contains shell writes: outside paths, hard links, the system, and .git are all out of reach', async () => {
    const outcome = await runHostile(canaries, 'shell-writes', { 'README.md': 'hi\n' }, [
      shellTurn(
        `echo owned > ${canaries.canaryFile}`,
        `ln ${canaries.canaryFile} stolen`,
        'touch /usr/owned /etc/owned /owned',
        'echo "#!/bin/sh" > .git/hooks/pre-commit',
        'git config core.hooksPath .',
        `cat ${canaries.canaryFile}`,
      ),
    ]);
    expect(outcome.code).toBe(0);
    expect(outcome.outputs.every((output) => !output.startsWith('exit code 0'))).toBe(true);
    expect(canaries.canaryIntact()).toBe(true);
    expect(outcome.report.branch).toBeNull();
  });

  it('refuses a symlink swapped in after the check (the final component is opened without following links)', async () => {
    // The agent makes `target` a link to the canary between two writes; the second write must not follow it.
    const outcome = await runHostile(canaries, 'swap', { 'README.md': 'hi\n' }, [
      { tool_calls: [{ name: 'write_file', input: { path: 'target', content: 'first' } }] },
      shellTurn(`rm target && ln -s ${canaries.canaryFile} target`),
      { tool_calls: [{ name: 'write_file', input: { path: 'target', content: 'owned' } }] },
    ]);
    expect(outcome.outputs[2]).toMatch(/outside the workspace|symbolic link/);
    expect(canaries.canaryIntact()).toBe(true);
  });
});
