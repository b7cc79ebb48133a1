import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { UserError } from '../spec/errors.ts';
import { runGit } from './git.ts';
import { createWorkspace } from './workspace.ts';

let root: string;
let repo: string;
let scratchDir: string;

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await runGit(args, { cwd })).stdout.trim();
}

async function exists(file: string): Promise<boolean> {
  return await access(file).then(
    () => true,
    () => false,
  );
}

/** What the user would notice changing: HEAD, the index file, the work tree's status and a file. */
async function userView(): Promise<Record<string, string>> {
  return {
    head: await git(repo, 'rev-parse', 'HEAD'),
    symbolicHead: await git(repo, 'symbolic-ref', 'HEAD'),
    index: createHash('sha256')
      .update(await readFile(path.join(repo, '.git', 'index')))
      .digest('hex'),
    status: await git(repo, 'status', '--porcelain'),
    readme: await readFile(path.join(repo, 'README.md'), 'utf8'),
  };
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'warden-workspace-'));
  repo = path.join(root, 'user-repo');
  scratchDir = path.join(root, 'scratch');
  await mkdir(repo);
  await git(repo, 'init', '--quiet', '--initial-branch=main');
  await writeFile(path.join(repo, 'README.md'), 'hello\n');
  await writeFile(path.join(repo, 'app.js'), 'console.log(1);\n');
  await git(repo, 'add', '.');
  await git(repo, 'commit', '--quiet', '-m', 'initial');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('createWorkspace', () => {
  test('clones HEAD into <scratchDir>/<taskId>/repo, detached, without the user repo as a remote', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'task-1' });
    expect(workspace.dir).toBe(path.join(scratchDir, 'task-1', 'repo'));
    expect(workspace.baseCommit).toBe(await git(repo, 'rev-parse', 'HEAD'));
    expect(workspace.dirty).toBe(false);
    expect(await readFile(path.join(workspace.dir, 'README.md'), 'utf8')).toBe('hello\n');
    expect(await git(workspace.dir, 'rev-parse', 'HEAD')).toBe(workspace.baseCommit);
    expect(spawnSync('git', ['symbolic-ref', '-q', 'HEAD'], { cwd: workspace.dir }).status).toBe(1);
    expect(await git(workspace.dir, 'remote')).toBe('');
    // Its own object store: no alternates pointing back at the user's repository.
    expect(await exists(path.join(workspace.dir, '.git', 'objects', 'info', 'alternates'))).toBe(false);
    expect(await exists(path.join(workspace.dir, '.git', 'hooks'))).toBe(false);
    await workspace.destroy();
    expect(await exists(path.join(scratchDir, 'task-1'))).toBe(false);
  });

  test('clones a SHA-256 repository, with a mirror and without one', async () => {
    const sha256 = path.join(root, 'sha256-repo');
    await mkdir(sha256);
    await git(sha256, 'init', '--quiet', '--object-format=sha256');
    await writeFile(path.join(sha256, 'a.txt'), 'a\n');
    await git(sha256, 'add', 'a.txt');
    await git(sha256, 'commit', '--quiet', '-m', 'sha256');
    const head = await git(sha256, 'rev-parse', 'HEAD');
    for (const mirrorsDir of [undefined, path.join(root, 'mirrors')]) {
      const taskId = mirrorsDir ? 'with-mirror' : 'direct';
      const workspace = await createWorkspace({ repo: sha256, scratchDir, taskId, mirrorsDir });
      expect(workspace.baseCommit).toBe(head);
      expect(await readFile(path.join(workspace.dir, 'a.txt'), 'utf8')).toBe('a\n');
      await workspace.destroy();
    }
  });

  test('notes a dirty work tree and leaves its changes out', async () => {
    await writeFile(path.join(repo, 'README.md'), 'uncommitted\n');
    const before = await userView();
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'task-dirty' });
    expect(workspace.dirty).toBe(true);
    expect(await readFile(path.join(workspace.dir, 'README.md'), 'utf8')).toBe('hello\n');
    expect(await userView()).toEqual(before);
    await workspace.destroy();
  });

  test('an untracked file also counts as dirty', async () => {
    await writeFile(path.join(repo, 'notes.txt'), 'scribbles\n');
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'task-untracked' });
    expect(workspace.dirty).toBe(true);
    expect(await exists(path.join(workspace.dir, 'notes.txt'))).toBe(false);
    await workspace.destroy();
  });

  test('works from a detached HEAD; refuses a folder inside the repository, naming its root', async () => {
    await mkdir(path.join(repo, 'src'));
    const head = await git(repo, 'rev-parse', 'HEAD');
    await git(repo, 'checkout', '--quiet', '--detach', head);
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'task-detached' });
    expect(workspace.baseCommit).toBe(head);
    await workspace.destroy();
    await expect(
      createWorkspace({ repo: path.join(repo, 'src'), scratchDir, taskId: 'task-sub' }),
    ).rejects.toMatchObject({ code: 'repo-invalid', hint: expect.stringContaining(`--repo ${repo}`) });
  });

  test('a directory that is not a git repository is repo-invalid', async () => {
    const plain = path.join(root, 'plain');
    await mkdir(plain);
    const error = await createWorkspace({ repo: plain, scratchDir, taskId: 'task-x' }).catch(
      (caught) => caught,
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({
      code: 'repo-invalid',
      message: expect.stringContaining('not a git repository'),
    });
    expect(error.hint).toBeTruthy();
  });

  test('a missing path is repo-invalid', async () => {
    await expect(
      createWorkspace({ repo: path.join(root, 'missing'), scratchDir, taskId: 'task-x' }),
    ).rejects.toMatchObject({ code: 'repo-invalid', message: expect.stringContaining('does not exist') });
  });

  test('a repository without commits is repo-invalid', async () => {
    const empty = path.join(root, 'empty');
    await mkdir(empty);
    await git(empty, 'init', '--quiet');
    await expect(createWorkspace({ repo: empty, scratchDir, taskId: 'task-x' })).rejects.toMatchObject({
      code: 'repo-invalid',
      message: expect.stringContaining('no commits'),
    });
  });

  test('a task id that cannot name a branch or directory is refused', async () => {
    for (const taskId of ['../escape', 'a/b', '', 'x..y', '-flag']) {
      await expect(createWorkspace({ repo, scratchDir, taskId })).rejects.toMatchObject({ code: 'usage' });
    }
  });

  test('an existing workspace for the same task is refused', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'task-twice' });
    await expect(createWorkspace({ repo, scratchDir, taskId: 'task-twice' })).rejects.toMatchObject({
      code: 'usage',
    });
    await workspace.destroy();
  });
});

describe('Workspace.createBranch', () => {
  test('commits as the agent and brings the commit into the user repo as warden/<taskId>', async () => {
    await writeFile(path.join(repo, 'README.md'), 'the user is editing this\n');
    await git(repo, 'add', 'README.md');
    await writeFile(path.join(repo, 'untracked.txt'), 'mine\n');
    const before = await userView();

    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'task-42' });
    await writeFile(path.join(workspace.dir, 'app.js'), 'console.log(2);\nconsole.log(3);\n');
    await writeFile(path.join(workspace.dir, 'new-file.txt'), 'new\n');
    const message = 'Fix the logging\n\nWarden-Task: task-42\nWarden-Trace: warden trace task-42\n';
    const result = await workspace.createBranch('task-42', message);

    expect(result).not.toBeNull();
    expect(result?.branch).toBe('warden/task-42');
    expect(await git(repo, 'rev-parse', 'refs/heads/warden/task-42')).toBe(result?.commit);
    expect(await git(repo, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%P', 'warden/task-42')).toBe(
      `Warden Agent <agent@warden.local>|Warden Agent <agent@warden.local>|${workspace.baseCommit}`,
    );
    expect(await git(repo, 'log', '-1', '--format=%(trailers:only,unfold)', 'warden/task-42')).toBe(
      'Warden-Task: task-42\nWarden-Trace: warden trace task-42',
    );
    expect(await git(repo, 'log', '-1', '--format=%s', 'warden/task-42')).toBe('Fix the logging');
    expect(result?.stat).toEqual({ filesChanged: 2, insertions: 3, deletions: 1 });
    // Objects and a ref were added; HEAD, index, work tree and the staged change are as they were.
    expect(await userView()).toEqual(before);
    expect(await readFile(path.join(repo, 'untracked.txt'), 'utf8')).toBe('mine\n');
    expect(await exists(path.join(repo, '.git', 'FETCH_HEAD'))).toBe(false);
    await workspace.destroy();
  });

  test('a branch of that name that exists already is not moved: the task fails, saying why', async () => {
    await git(repo, 'branch', 'warden/task-taken', 'HEAD');
    await git(repo, 'checkout', '--quiet', '--orphan', 'elsewhere');
    await git(repo, 'commit', '--quiet', '-m', 'unrelated');
    await git(repo, 'branch', '--force', 'warden/task-taken', 'elsewhere');
    await git(repo, 'checkout', '--quiet', 'main');
    const taken = await git(repo, 'rev-parse', 'warden/task-taken');
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'task-taken' });
    await writeFile(path.join(workspace.dir, 'app.js'), 'console.log(2);\n');
    await expect(workspace.createBranch('task-taken', 'change')).rejects.toMatchObject({
      code: 'git-failed',
    });
    expect(await git(repo, 'rev-parse', 'warden/task-taken')).toBe(taken);
    await workspace.destroy();
  });

  test('a HEAD that names the branch before it exists is not given the result', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'task-unborn' });
    await writeFile(path.join(workspace.dir, 'app.js'), 'console.log(2);\n');
    await git(repo, 'symbolic-ref', 'HEAD', 'refs/heads/warden/task-unborn');
    await expect(workspace.createBranch('task-unborn', 'change')).rejects.toMatchObject({
      code: 'git-failed',
    });
    await expect(git(repo, 'rev-parse', '--verify', 'refs/heads/warden/task-unborn')).rejects.toThrow();
    await workspace.destroy();
  });

  test('the commit lands as a pack and a new ref: the repository stays whole', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'task-pack' });
    await writeFile(path.join(workspace.dir, 'app.js'), 'console.log(2);\n');
    await mkdir(path.join(workspace.dir, 'deep', 'er'), { recursive: true });
    await writeFile(path.join(workspace.dir, 'deep', 'er', 'file.txt'), 'new\n');
    const result = await workspace.createBranch('task-pack', 'change');
    expect(await git(repo, 'rev-parse', 'warden/task-pack')).toBe(result?.commit);
    expect(await git(repo, 'fsck', '--strict', '--no-dangling')).toBe('');
    expect(await git(repo, 'show', 'warden/task-pack:deep/er/file.txt')).toBe('new');
    const temporaries = (await readdir(path.join(repo, '.git', 'objects', 'pack'))).filter((name) =>
      name.startsWith('tmp_'),
    );
    expect(temporaries).toEqual([]);
    await workspace.destroy();
  });

  test('returns null and creates no branch when nothing changed', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'task-idle' });
    expect(await workspace.createBranch('task-idle', 'nothing')).toBeNull();
    expect(await git(repo, 'branch', '--list', 'warden/*')).toBe('');
    await workspace.destroy();
  });
});

describe('Workspace.destroy', () => {
  test('takes the task directory off its path at once; a detached process deletes it', async () => {
    const workspace = await createWorkspace({ repo, scratchDir, taskId: 'task-gone' });
    await writeFile(path.join(workspace.dir, 'big.txt'), 'x'.repeat(1 << 20));
    await workspace.destroy();
    expect(await exists(path.join(scratchDir, 'task-gone'))).toBe(false);
    await vi.waitFor(async () => expect(await readdir(path.join(scratchDir, '.discarded'))).toEqual([]), {
      timeout: 10_000,
      interval: 50,
    });
  });

  test('what a killed deletion left is deleted when the next task starts, and nothing else', async () => {
    const leftover = path.join(scratchDir, '.discarded', 'task-old.0f3c');
    await mkdir(path.join(leftover, 'repo'), { recursive: true });
    await writeFile(path.join(leftover, 'repo', 'file'), 'old\n');
    const kept = await createWorkspace({ repo, scratchDir, taskId: 'task-kept' });
    const next = await createWorkspace({ repo, scratchDir, taskId: 'task-next' });
    await vi.waitFor(async () => expect(await exists(leftover)).toBe(false), {
      timeout: 10_000,
      interval: 50,
    });
    expect(await exists(path.join(kept.dir, 'README.md'))).toBe(true);
    expect(await exists(path.join(next.dir, 'README.md'))).toBe(true);
    await kept.destroy();
    await next.destroy();
  });
});

describe('a hostile user repository', () => {
  test('none of its hooks, fsmonitor or filters run while the workspace and branch are made', async () => {
    const canary = path.join(root, 'canary');
    const hooksDir = path.join(root, 'evil-hooks');
    await mkdir(hooksDir);
    const script = `#!/bin/sh\necho "$0" >> ${canary}\nexit 0\n`;
    const hookNames = [
      'pre-commit',
      'post-checkout',
      'post-commit',
      'reference-transaction',
      'pre-auto-gc',
      'post-index-change',
    ];
    for (const directory of [path.join(repo, '.git', 'hooks'), hooksDir]) {
      await mkdir(directory, { recursive: true });
      for (const name of hookNames) {
        await writeFile(path.join(directory, name), script);
        await chmod(path.join(directory, name), 0o755);
      }
    }
    const fsmonitor = path.join(root, 'fsmonitor.sh');
    await writeFile(fsmonitor, script);
    await chmod(fsmonitor, 0o755);
    await git(repo, 'config', 'core.hooksPath', hooksDir);
    await git(repo, 'config', 'core.fsmonitor', fsmonitor);
    await git(repo, 'config', 'filter.evil.clean', `sh -c 'echo filter >> ${canary}; cat'`);
    await git(repo, 'config', 'filter.evil.process', `sh -c 'echo process >> ${canary}'`);
    await git(repo, 'config', 'core.sshCommand', `sh -c 'echo ssh >> ${canary}'`);
    await writeFile(path.join(repo, '.gitattributes'), '* filter=evil\n');
    // Stat changes force git to compare contents, which is when a clean filter would run.
    await writeFile(path.join(repo, 'app.js'), 'console.log("changed");\n');

    // Through a mirror, as Warden makes workspaces: the mirror's fetch runs none of them either.
    const mirrorsDir = path.join(root, 'mirrors');
    const workspace = await createWorkspace({ repo, scratchDir, mirrorsDir, taskId: 'task-hostile' });
    expect((await readdir(mirrorsDir)).length).toBe(1);
    await writeFile(path.join(workspace.dir, 'fix.txt'), 'fixed\n');
    const result = await workspace.createBranch('task-hostile', 'Fix\n\nWarden-Task: task-hostile\n');
    expect(result?.branch).toBe('warden/task-hostile');
    expect(await exists(canary)).toBe(false);

    // Control: the same repository does run them under a plain git, so the check above means something.
    spawnSync('git', ['status'], {
      cwd: repo,
      env: { PATH: process.env.PATH, GIT_CONFIG_GLOBAL: '/dev/null' },
    });
    expect(await exists(canary)).toBe(true);
    await workspace.destroy();
  });
});
