import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../support/cli.ts';
import { type Canaries, createAttackTally, createCanaries, runHostile, shellTurn } from './harness.ts';

describe("hostile: making the host run code through Warden's own git", () => {
  createAttackTally('git');
  let canaries: Canaries;
  beforeAll(async () => {
    canaries = await createCanaries();
  });
  afterAll(() => canaries.close());

  it("runs none of the repository's hooks, fsmonitor, hooksPath or filters when it clones, commits and fetches", async () => {
    const marker = (name: string) => path.join(canaries.outside, `ran-${name}`);
    const script = (name: string) => `#!/bin/sh\ntouch ${marker(name)}\ncat\n`;
    const outcome = await runHostile(
      canaries,
      'git-config',
      { 'README.md': 'hi\n', 'data.secret': 'x\n', '.gitattributes': '*.secret filter=evil diff=evil\n' },
      [{ tool_calls: [{ name: 'write_file', input: { path: 'data.secret', content: 'changed\n' } }] }],
      {
        prepare: (repo) => {
          for (const hook of [
            'pre-commit',
            'post-checkout',
            'post-commit',
            'reference-transaction',
            'pre-push',
          ]) {
            writeFileSync(path.join(repo, '.git/hooks', hook), script(hook), { mode: 0o755 });
          }
          writeFileSync(path.join(repo, 'evil.sh'), script('fsmonitor'), { mode: 0o755 });
          writeFileSync(path.join(repo, 'clean.sh'), script('filter'), { mode: 0o755 });
          git(repo, 'config', 'core.fsmonitor', path.join(repo, 'evil.sh'));
          git(repo, 'config', 'core.hooksPath', path.join(repo, '.git/hooks'));
          git(repo, 'config', 'filter.evil.clean', path.join(repo, 'clean.sh'));
          git(repo, 'config', 'filter.evil.smudge', path.join(repo, 'clean.sh'));
          git(repo, 'config', 'diff.evil.textconv', path.join(repo, 'clean.sh'));
        },
      },
    );
    expect(outcome.code).toBe(0);
    expect(outcome.report.branch).toMatch(/^warden\//);
    for (const name of [
      'pre-commit',
      'post-checkout',
      'post-commit',
      'reference-transaction',
      'fsmonitor',
      'filter',
    ]) {
      expect(existsSync(marker(name)), `${name} ran on the host`).toBe(false);
    }
  });

  it("cannot plant a hook or config in the workspace for Warden's commit to run", async () => {
    const marker = path.join(canaries.outside, 'ran-planted');
    const outcome = await runHostile(canaries, 'git-plant', { 'README.md': 'hi\n' }, [
      shellTurn(
        `printf '#!/bin/sh\\ntouch ${marker}\\n' > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit`,
        'git config core.hooksPath hooks',
        `mkdir -p hooks && printf '#!/bin/sh\\ntouch ${marker}\\n' > hooks/pre-commit && chmod +x hooks/pre-commit`,
        'echo change >> README.md',
      ),
    ]);
    expect(outcome.code).toBe(0);
    expect(outcome.outputs[0]).toMatch(/Read-only file system|Directory nonexistent/);
    expect(outcome.outputs[1]).not.toMatch(/^exit code 0/);
    expect(outcome.report.branch).toMatch(/^warden\//);
    expect(existsSync(marker)).toBe(false);
  });
});
