import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const usage = { input_tokens: 1000, output_tokens: 40 };

describe('warden audit: the four questions, an undo plan that works, and a journal that cannot be cut', () => {
  const work = scratch('audit');
  const home = path.join(work.dir, 'home');
  let repo: string;
  let remote: string;
  let config: string;
  let taskId: string;
  let base: string;
  const warden = (args: string[], dataDir = home) =>
    runWarden([...args, '--config', config, '--data-dir', dataDir]);

  beforeAll(async () => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    base = git(repo, 'rev-parse', 'HEAD');
    remote = path.join(work.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', repo, remote]);
    config = path.join(work.dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ agent: { check: 'test -f NOTES.md' }, forge: { kind: 'local', remote } }),
    );
    const script = writeScript(work.dir, {
      turns: [
        { tool_calls: [{ name: 'read_file', input: { path: 'README.md' } }], usage },
        { tool_calls: [{ name: 'write_file', input: { path: 'NOTES.md', content: 'notes\n' } }], usage },
        { tool_calls: [{ name: 'shell', input: { command: 'cat NOTES.md' } }], usage },
        { text: 'Added the notes.', usage },
      ],
    });
    const run = await warden([
      'run',
      '--repo',
      repo,
      '--task',
      'add notes',
      '--model',
      `scripted:${script}`,
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    taskId = JSON.parse(run.stdout).taskId;
  });
  afterAll(work.cleanup);

  it('answers what, on whose authority, what was touched and how to undo it', async () => {
    const audited = await warden(['audit', taskId, '--json']);
    expect(audited.code, audited.stderr).toBe(0);
    const report = JSON.parse(audited.stdout);
    expect(Object.keys(report)).toEqual(['what', 'authority', 'touched', 'undo']);
    expect(
      report.what.actions.map((action: { kind: string; name: string; result: string }) => [
        action.kind,
        action.name,
        action.result,
      ]),
    ).toEqual([
      ['tool', 'read_file', 'ok'],
      ['tool', 'write_file', 'ok'],
      ['tool', 'shell', 'exit 0'],
      ['check', 'check', 'passed'],
      ['action', 'forge.push', 'done'],
      ['action', 'forge.open_pr', 'done'],
    ]);
    expect(report.what.filesChanged).toMatchObject({
      branch: `warden/${taskId}`,
      baseCommit: base,
      stat: { filesChanged: 1 },
    });
    expect(report.what.commands).toContainEqual(
      expect.objectContaining({ command: 'cat NOTES.md', exitCode: 0 }),
    );
    expect(report.authority).toMatchObject({ agent: 'coder', trustTier: 1, trigger: null });
    expect(report.authority.policyBundles[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(report.authority.consequential.map((call: { tool: string }) => call.tool)).toEqual([
      'write_file',
      'shell',
      'forge.push',
      'forge.open_pr',
    ]);
    expect(report.authority.credentials).toEqual([
      expect.objectContaining({
        kind: 'task-token',
        repository: remote,
        scope: ['forge.push', 'forge.open_pr', 'forge.request_review'],
      }),
    ]);
    expect(report.touched).toMatchObject({ filesRead: ['README.md'], filesWritten: ['NOTES.md'] });
    expect(report.touched.externalActions.map((action: { action: string }) => action.action)).toEqual([
      'forge.push',
      'forge.open_pr',
    ]);
    expect(report.undo.steps.map((step: { what: string }) => step.what)).toEqual([
      expect.stringContaining('revert its commits on the default branch'),
      expect.stringContaining('close pull request #1'),
      expect.stringContaining(`delete warden/${taskId} on`),
      expect.stringContaining(`delete warden/${taskId} in the checkout`),
    ]);
    const text = await warden(['audit', taskId]);
    for (const section of ['WHAT:', 'AUTHORITY:', 'TOUCHED:', 'UNDO:'])
      expect(text.stdout).toContain(section);
  });

  it('has an undo plan that, run on a copy of the repository and the forge after a merge, undoes the change', async () => {
    const report = JSON.parse((await warden(['audit', taskId, '--json'])).stdout);
    const copies = path.join(work.dir, 'copies');
    const repoCopy = path.join(copies, 'repo');
    const remoteCopy = path.join(copies, 'remote.git');
    cpSync(repo, repoCopy, { recursive: true });
    cpSync(remote, remoteCopy, { recursive: true });
    // Someone merged the task's branch into main on the forge.
    const clone = path.join(copies, 'clone');
    execFileSync('git', ['clone', '--quiet', remoteCopy, clone]);
    const gitIn = (dir: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@e.com', ...args], { cwd: dir })
        .toString()
        .trim();
    gitIn(clone, 'merge', '--quiet', '--ff-only', `origin/warden/${taskId}`);
    gitIn(clone, 'push', '--quiet', 'origin', 'main');
    expect(existsSync(path.join(clone, 'NOTES.md'))).toBe(true);

    for (const step of report.undo.steps as Array<{ what: string; command: string | null }>) {
      if (step.command === null) continue;
      const command = step.command.replaceAll(remote, remoteCopy).replaceAll(repo, repoCopy);
      // The revert runs in a clone of the forge's repository, on its default branch, then is pushed.
      execFileSync('sh', ['-c', command], {
        cwd: command.startsWith('git revert') ? clone : copies,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'T',
          GIT_AUTHOR_EMAIL: 't@e.com',
          GIT_COMMITTER_NAME: 'T',
          GIT_COMMITTER_EMAIL: 't@e.com',
        },
      });
      if (command.startsWith('git revert')) gitIn(clone, 'push', '--quiet', 'origin', 'main');
    }
    // The default branch has the base's files again; the task's branch is gone on the forge and locally.
    expect(gitIn(remoteCopy, 'rev-parse', 'main^{tree}')).toBe(gitIn(repo, 'rev-parse', `${base}^{tree}`));
    expect(gitIn(remoteCopy, 'branch', '--list', `warden/${taskId}`)).toBe('');
    expect(gitIn(repoCopy, 'branch', '--list', `warden/${taskId}`)).toBe('');
  });

  it('finds what tasks touched a path, were allowed by a policy, or used a credential', async () => {
    const byPath = JSON.parse((await warden(['audit', 'search', '--path', 'NOTES.md', '--json'])).stdout);
    expect(byPath).toEqual([
      expect.objectContaining({ taskId, type: 'tool-call-start', detail: 'write_file NOTES.md' }),
    ]);
    const byPolicy = JSON.parse(
      (await warden(['audit', 'search', '--policy', 'forge-push-warden-branches', '--json'])).stdout,
    );
    expect(byPolicy.map((match: { taskId: string }) => match.taskId)).toEqual([taskId]);
    const byCredential = JSON.parse(
      (await warden(['audit', 'search', '--credential', 'forge.push', '--json'])).stdout,
    );
    expect(byCredential).toHaveLength(1);
    expect(JSON.parse((await warden(['audit', 'search', '--host', 'example.com', '--json'])).stdout)).toEqual(
      [],
    );
  });

  it('finds an edited event, two events reordered, and the last event deleted', async () => {
    expect((await warden(['audit', 'verify', taskId])).code).toBe(0);
    const tampered = (name: string, change: (db: DatabaseSync) => void) => {
      const dir = path.join(work.dir, `home-${name}`);
      cpSync(home, dir, { recursive: true });
      const db = new DatabaseSync(path.join(dir, 'warden.db'));
      change(db);
      db.close();
      return dir;
    };
    const edited = tampered('edited', (db) =>
      db
        .prepare(
          `UPDATE events SET body = replace(body, 'cat NOTES.md', 'rm -rf /') WHERE task_id = ? AND type = 'tool-call-start'`,
        )
        .run(taskId),
    );
    const reordered = tampered('reordered', (db) => {
      db.prepare('UPDATE events SET seq = -1 WHERE task_id = ? AND seq = 3').run(taskId);
      db.prepare('UPDATE events SET seq = 3 WHERE task_id = ? AND seq = 4').run(taskId);
      db.prepare('UPDATE events SET seq = 4 WHERE task_id = ? AND seq = -1').run(taskId);
    });
    const cut = tampered('cut', (db) => {
      db.prepare(
        'DELETE FROM events WHERE task_id = ? AND seq = (SELECT MAX(seq) FROM events WHERE task_id = ?)',
      ).run(taskId, taskId);
    });
    for (const [name, dir] of [
      ['edited', edited],
      ['reordered', reordered],
      ['cut', cut],
    ] as const) {
      const verified = await warden(['audit', 'verify', taskId], dir);
      expect(verified.code, name).toBe(1);
      expect(verified.stdout, name).toMatch(new RegExp(`${taskId}  BROKEN at event \\d+: `));
      const all = await warden(['audit', 'verify'], dir);
      expect(all.stdout, name).toContain('1 journal(s), 1 broken');
    }
  });
});
