import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LoopFixture, openLoopFixture } from '../../../test/support/agent-loop-fixture.ts';
import { createWorkspace, type Workspace } from '../../sandbox/index.ts';
import { saveResultBranch } from './save-result-branch.ts';

let fixture: LoopFixture;
let repo: string;
let workspace: Workspace;

const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' });

beforeEach(async () => {
  fixture = await openLoopFixture();
  repo = path.join(fixture.dir, 'repo');
  mkdirSync(repo);
  git('init', '-q', '-b', 'main');
  writeFileSync(path.join(repo, 'README.md'), 'hello\n');
  git('add', '.');
  git('-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-m', 'init');
  workspace = await createWorkspace({ repo, scratchDir: path.join(fixture.dir, 'scratch'), taskId: 't1' });
});
afterEach(async () => {
  await workspace.destroy();
  await fixture.close();
});

const settings = () => ({
  journal: fixture.journal,
  taskId: fixture.taskId,
  prompt: 'Fix the greeting\n\nIt should say hello, world.',
  status: 'succeeded' as const,
  workspace,
});

describe('saveResultBranch', () => {
  it("commits the agent's change as warden/<task> with the task's trailers, and journals it", async () => {
    writeFileSync(path.join(workspace.dir, 'README.md'), 'hello, world\n');
    const saved = await saveResultBranch(settings());
    expect(saved).not.toHaveProperty('failure');
    expect(saved.branch).toMatchObject({ branch: 'warden/t1', stat: { filesChanged: 1 } });
    expect(git('show', 'warden/t1:README.md')).toBe('hello, world\n');
    const message = git('log', '-1', '--format=%B', 'warden/t1');
    expect(message).toMatch(
      /^warden: Fix the greeting\n\nChange made by a Warden agent \(task succeeded\)\./,
    );
    expect(message).toMatch(/Warden-Task: t1\nWarden-Trace: warden trace t1/);
    expect(await fixture.events('branch-created')).toMatchObject([{ branch: 'warden/t1' }]);
  });

  it('makes no branch and journals none when the agent changed nothing', async () => {
    expect(await saveResultBranch(settings())).toEqual({ branch: null });
    expect(await fixture.types()).toEqual([]);
  });

  it('reports a branch that cannot be saved as a failure, journaled as an error, without throwing', async () => {
    writeFileSync(path.join(workspace.dir, 'README.md'), 'changed\n');
    // The user's repository is gone from under the task.
    execFileSync('rm', ['-rf', path.join(repo, '.git')]);
    const saved = await saveResultBranch(settings());
    expect(saved).toMatchObject({
      branch: null,
      failure: expect.stringMatching(/^the change could not be saved as a branch: /),
    });
    expect(await fixture.events('error')).toMatchObject([{ source: 'branch' }]);
  });
});
