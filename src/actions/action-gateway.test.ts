import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CredentialBroker, createCredentialBroker } from '../credentials/index.ts';
import { LocalForge } from '../forge/index.ts';
import { Journal } from '../journal/index.ts';
import { runGit } from '../sandbox/index.ts';
import { ACTION_NAMES, type ActionDecider, type ActionDecisionRequest } from '../spec/actions.ts';
import type { Decision } from '../spec/types.ts';
import { openSqliteStore, SqliteActionStore, SqliteApprovalStore, type SqliteStore } from '../store/index.ts';
import { ActionGateway } from './action-gateway.ts';
import { ApprovalInbox } from './approval-inbox.ts';

/** A decider that answers what it is told and records what it was asked. */
class RecordingDecider implements ActionDecider {
  readonly asked: ActionDecisionRequest[] = [];
  answer: Decision | Error = { decision: 'allow', reasons: ['allowed by test'], policyIds: ['test-allow'] };

  async decideAction(request: ActionDecisionRequest): Promise<Decision> {
    this.asked.push(request);
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
}

const DEPLOY_SECRET = 'deploy-secret-value-0123456789abcdef';

describe('ActionGateway with the local forge', () => {
  let root: string;
  let bare: string;
  let work: string;
  let store: SqliteStore;
  let actions: SqliteActionStore;
  let approvals: SqliteApprovalStore;
  let broker: CredentialBroker;
  let decider: RecordingDecider;
  let gateway: ActionGateway;
  let forge: LocalForge;
  let token: string;
  let deployLog: string;

  const git = (args: string[], cwd = work) => runGit(args, { cwd });
  const bareHead = async (branch: string) => {
    try {
      return (
        await runGit([`--git-dir=${bare}`, 'rev-parse', `refs/heads/${branch}`], { cwd: bare })
      ).stdout.trim();
    } catch {
      return null;
    }
  };
  const execute = (action: (typeof ACTION_NAMES)[number], parameters: unknown, taskToken = token) =>
    gateway.execute({ taskId: 't1', token: taskToken, action, parameters });

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'warden-gateway-'));
    bare = path.join(root, 'remote.git');
    work = path.join(root, 'work');
    deployLog = path.join(root, 'deploys.log');
    await runGit(['init', '--bare', '--initial-branch=main', bare], { cwd: root });
    await runGit(['init', '--initial-branch=main', work], { cwd: root });
    await writeFile(path.join(work, 'README.md'), 'hello\n');
    await git(['add', '.']);
    await git(['commit', '-m', 'first']);
    await git(['push', bare, 'main:refs/heads/main']);
    await git(['checkout', '-b', 'warden/fix']);
    await writeFile(path.join(work, 'README.md'), 'hello, fixed\n');
    await git(['commit', '-am', 'fix']);

    store = openSqliteStore(path.join(root, 'warden.db'));
    await store.createTask({
      id: 't1',
      prompt: 'fix',
      repo: work,
      baseCommit: 'x',
      model: 'scripted:test',
      requestedBy: 'test',
      createdAt: new Date().toISOString(),
    });
    const journal = new Journal(store);
    actions = new SqliteActionStore(store.database);
    approvals = new SqliteApprovalStore(store.database);
    broker = createCredentialBroker();
    broker.addSecret(DEPLOY_SECRET);
    decider = new RecordingDecider();
    forge = new LocalForge({
      bareRepository: bare,
      pullRequests: actions,
      repository: 'local/app',
      protectedBranches: ['warden/frozen*'],
    });
    gateway = new ActionGateway({
      forge,
      decider,
      broker,
      actions,
      approvals: new ApprovalInbox({ store: approvals, journal, redact: (text) => broker.redact(text) }),
      journal,
      workspaceDir: work,
      deploy: {
        kind: 'command',
        argv: [
          '/bin/sh',
          '-c',
          `echo "$1 $2" >> '${deployLog}'; echo "deployed with ${DEPLOY_SECRET}"`,
          'deploy',
        ],
      },
    });
    token = (
      await broker.issueTaskToken({ taskId: 't1', repository: 'local/app', actions: [...ACTION_NAMES] })
    ).token;
  });
  afterEach(async () => {
    await store.close();
    await rm(root, { recursive: true, force: true });
  });

  it('refuses a push to main even when policy allows, without asking policy', async () => {
    await git(['branch', '-f', 'main', 'warden/fix']);
    const before = await bareHead('main');
    const outcome = await execute('forge.push', { branch: 'main' });
    expect(outcome).toMatchObject({
      status: 'denied',
      by: 'rule',
      reasons: [expect.stringContaining('warden/*')],
    });
    expect(decider.asked).toEqual([]);
    expect(await bareHead('main')).toBe(before);
  });

  it('refuses a force push, a protected warden branch and an odd ref name', async () => {
    expect(await execute('forge.push', { branch: 'warden/fix', force: true })).toMatchObject({
      status: 'denied',
      reasons: ['force pushes are never allowed'],
    });
    await git(['branch', 'warden/frozen-1']);
    expect(await execute('forge.push', { branch: 'warden/frozen-1' })).toMatchObject({
      status: 'denied',
      reasons: ['warden/frozen-1 is a protected branch'],
    });
    expect(await execute('forge.push', { branch: 'warden/../main' })).toMatchObject({
      status: 'denied',
      by: 'rule',
    });
    expect(decider.asked).toEqual([]);
    expect(await bareHead('warden/fix')).toBeNull();
  });

  it('pushes a warden branch once: a repeat returns the recorded result with no second effect', async () => {
    const commit = (await git(['rev-parse', 'warden/fix'])).stdout.trim();
    const first = await execute('forge.push', { branch: 'warden/fix' });
    expect(first).toMatchObject({
      status: 'done',
      replayed: false,
      result: { branch: 'warden/fix', commit, previous: null },
    });
    expect(await bareHead('warden/fix')).toBe(commit);
    expect(decider.asked[0]).toMatchObject({
      action: 'forge.push',
      resource: { repository: 'local/app', branch: 'warden/fix' },
      context: { taskId: 't1' },
    });
    // A hand-made change on the remote would be overwritten by a second push; the replay must not push.
    const second = await execute('forge.push', { branch: 'warden/fix' });
    expect(second).toMatchObject({ status: 'done', replayed: true, key: first.key, result: { commit } });
    expect(decider.asked).toHaveLength(1);
    expect(await actions.list('t1')).toHaveLength(1);
  });

  it('refuses a non-fast-forward push (git itself, no force anywhere)', async () => {
    await execute('forge.push', { branch: 'warden/fix' });
    await git(['checkout', '-q', 'main']);
    await git(['branch', '-f', 'warden/fix', 'main']);
    await writeFile(path.join(work, 'other.txt'), 'diverged\n');
    await git(['checkout', '-q', 'warden/fix']);
    await git(['add', '.']);
    await git(['commit', '-m', 'diverged']);
    const pushed = await bareHead('warden/fix');
    await expect(execute('forge.push', { branch: 'warden/fix' })).rejects.toMatchObject({
      code: 'git-failed',
    });
    expect(await bareHead('warden/fix')).toBe(pushed);
  });

  it('tells policy a branch is protected when it matches a protected pattern, as the push rule does', async () => {
    decider.answer = { decision: 'deny', reasons: ['denied by test'], policyIds: ['test-deny'] };
    await execute('forge.open_pr', { head: 'warden/frozen-1', title: 'Frozen', body: '' });
    expect(decider.asked[0]).toMatchObject({
      resource: { branch: 'warden/frozen-1' },
      context: { protectedBranch: true },
    });
  });

  it('refuses to push a warden branch a secret was committed to by hand since, journaled without it', async () => {
    // Made up: the shape of an AWS access key pair, of no account.
    const secret = 'R6g3mKp9Qw2Zt7Lx1Vb8Nc4Hj5Fd0Sa3Ey6Uo2Ti';
    await writeFile(
      path.join(work, 'deploy.env'),
      `AWS_ACCESS_KEY_ID=AKIAQ3EGRTV5ZX7WQ2NB\naws_secret_access_key = ${secret}\n`,
    );
    await git(['add', 'deploy.env']);
    await git(['commit', '-m', 'add deploy settings']);
    // Another commit on top does not hide it: every commit the push would add is read.
    await writeFile(path.join(work, 'README.md'), 'hello, fixed again\n');
    await git(['commit', '-am', 'more']);
    const outcome = await execute('forge.push', { branch: 'warden/fix' });
    expect(outcome).toMatchObject({ status: 'denied', by: 'rule' });
    expect(String((outcome as { reasons: string[] }).reasons)).toContain(
      'the secret scan found a secret in the commits it would push',
    );
    expect(String((outcome as { reasons: string[] }).reasons)).toContain('deploy.env:2');
    expect(decider.asked).toEqual([]);
    expect(await bareHead('warden/fix')).toBeNull();
    const journal = JSON.stringify(await new Journal(store).events('t1'));
    expect(journal).toContain('secret-detected');
    expect(journal).not.toContain(secret);
  });

  it('refuses a comment, a pull request body or a review comment holding a secret, without posting it', async () => {
    // Made up: the shape of an AWS secret access key, of no account.
    const key = 'R6g3mKp9Qw2Zt7Lx1Vb8Nc4Hj5Fd0Sa3Ey6Uo2Ti';
    await execute('forge.push', { branch: 'warden/fix' });
    const body = `Set it up.\n\naws_secret_access_key = ${key}`;
    expect(await execute('forge.open_pr', { head: 'warden/fix', title: 'Fix', body })).toMatchObject({
      status: 'denied',
      by: 'rule',
      reasons: [expect.stringContaining('pull request body:3')],
    });
    expect(await actions.listPullRequests('local/app')).toEqual([]);
    await execute('forge.open_pr', { head: 'warden/fix', title: 'Fix', body: 'Done.' });
    const comment = await execute('forge.comment', { number: 1, body: `The key: ${key}` });
    expect(comment).toMatchObject({ status: 'denied', by: 'rule' });
    const review = await execute('forge.review', {
      number: 1,
      body: 'Looks fine.',
      comments: [{ path: 'README.md', line: 1, body: `use aws_secret_access_key=${key}` }],
    });
    expect(review).toMatchObject({ status: 'denied', by: 'rule' });
    expect(await actions.listComments('local/app', 1)).toEqual([]);
    // Refused before policy was asked; journaled without the secret.
    expect(decider.asked.map((request) => request.action)).toEqual(['forge.push', 'forge.open_pr']);
    const events = await new Journal(store).events('t1');
    const detected = events.filter((event) => event.type === 'secret-detected');
    expect(detected.map((event) => event.type === 'secret-detected' && event.action)).toEqual([
      'forge.open_pr',
      'forge.comment',
      'forge.review',
    ]);
    expect(JSON.stringify(events)).not.toContain(key);
  });

  it('opens a pull request once, then comments and requests review', async () => {
    await execute('forge.push', { branch: 'warden/fix' });
    const parameters = { head: 'warden/fix', title: 'Fix the greeting', body: 'Done by Warden.' };
    const opened = await execute('forge.open_pr', parameters);
    expect(opened).toMatchObject({ status: 'done', result: { number: 1, base: 'main', head: 'warden/fix' } });
    expect(await execute('forge.open_pr', parameters)).toMatchObject({ status: 'done', replayed: true });
    // Written again later (a delivery taken over after a crash) with another body: the same pull request.
    const rewritten = { ...parameters, body: 'Done by Warden; the journal has grown since.' };
    expect(await execute('forge.open_pr', rewritten)).toMatchObject({ status: 'done', replayed: true });
    expect(await actions.listPullRequests('local/app')).toHaveLength(1);

    await execute('forge.comment', { number: 1, body: 'Tests pass.' });
    await execute('forge.comment', { number: 1, body: 'Tests pass.' });
    expect(await actions.listComments('local/app', 1)).toHaveLength(1);
    await execute('forge.request_review', { number: 1, reviewers: ['alice'] });
    await execute('forge.update_pr', { number: 1, title: 'Fix the greeting (v2)' });
    expect(await actions.getPullRequest('local/app', 1)).toMatchObject({
      title: 'Fix the greeting (v2)',
      reviewers: ['alice'],
    });
  });

  it('settles an action its process left in flight by asking the forge, never doing it twice', async () => {
    await execute('forge.push', { branch: 'warden/fix' });
    const parameters = { head: 'warden/fix', title: 'Fix the greeting', body: 'Done by Warden.' };
    await execute('forge.open_pr', parameters);
    await execute('forge.comment', { number: 1, body: 'Tests pass.' });
    // The process died after the forge answered and before the outcome was recorded.
    const leaveInFlight = () =>
      store.database.exec(
        "UPDATE actions SET status = 'running', result = NULL WHERE action != 'forge.push'",
      );
    leaveInFlight();
    const settled = await execute('forge.open_pr', parameters);
    expect(settled).toMatchObject({
      status: 'done',
      replayed: true,
      result: { number: 1, head: 'warden/fix' },
    });
    expect(await actions.listPullRequests('local/app')).toHaveLength(1);
    // The forge cannot say whether a comment was posted: it stays in doubt rather than post twice.
    await expect(execute('forge.comment', { number: 1, body: 'Tests pass.' })).rejects.toMatchObject({
      code: 'action-in-doubt',
    });
    expect(await actions.listComments('local/app', 1)).toHaveLength(1);
    // Died before the forge was reached: nothing is open from the branch, so it is opened now, once.
    store.database.exec("UPDATE pull_requests SET state = 'closed'");
    leaveInFlight();
    const opened = await execute('forge.open_pr', parameters);
    expect(opened).toMatchObject({ status: 'done', replayed: false, result: { number: 2 } });
    expect(await execute('forge.open_pr', parameters)).toMatchObject({
      replayed: true,
      result: { number: 2 },
    });
  });

  it('always asks a human before a deploy, whatever policy says, and deploys once after approval', async () => {
    const parameters = { environment: 'production', ref: 'warden/fix' };
    const asked = await execute('deploy', parameters);
    expect(asked).toMatchObject({
      status: 'awaiting_approval',
      policyIds: ['test-allow', 'warden.deploy-requires-approval'],
    });
    expect(existsSync(deployLog)).toBe(false);
    // Asking again while it waits files nothing new.
    expect(await execute('deploy', parameters)).toMatchObject({
      approvalId: (asked as { approvalId: string }).approvalId,
    });
    expect(await approvals.list({ status: 'pending' })).toHaveLength(1);

    await approvals.decide((asked as { approvalId: string }).approvalId, { approve: true, by: 'alice' });
    expect(await execute('deploy', parameters)).toMatchObject({ status: 'done', replayed: false });
    expect(await execute('deploy', parameters)).toMatchObject({ status: 'done', replayed: true });
    expect(await readFile(deployLog, 'utf8')).toBe('production warden/fix\n');

    // The approval covered that deploy only: another ref needs its own.
    expect(await execute('deploy', { environment: 'production', ref: 'main' })).toMatchObject({
      status: 'awaiting_approval',
    });
    expect(await readFile(deployLog, 'utf8')).toBe('production warden/fix\n');
  });

  it('returns a human denial and a policy denial as structured results; a failing decider denies', async () => {
    const asked = (await execute('deploy', { environment: 'staging', ref: 'main' })) as {
      approvalId: string;
    };
    await approvals.decide(asked.approvalId, { approve: false, by: 'bob', reason: 'freeze week' });
    expect(await execute('deploy', { environment: 'staging', ref: 'main' })).toMatchObject({
      status: 'denied',
      by: 'human',
      reasons: ['bob denied it: freeze week'],
    });
    decider.answer = { decision: 'deny', reasons: ['no comments on Fridays'], policyIds: ['p9'] };
    expect(await execute('forge.comment', { number: 1, body: 'hi' })).toMatchObject({
      status: 'denied',
      by: 'policy',
      policyIds: ['p9'],
    });
    decider.answer = new Error('bundle failed to load');
    expect(await execute('forge.comment', { number: 1, body: 'hi' })).toMatchObject({
      status: 'denied',
      reasons: [expect.stringContaining('bundle failed to load')],
    });
    expect(existsSync(deployLog)).toBe(false);
  });

  it('refuses a token of another task, without the action, or for another repository', async () => {
    const other = await broker.issueTaskToken({
      taskId: 't2',
      repository: 'local/app',
      actions: ['forge.comment'],
    });
    await expect(execute('forge.comment', { number: 1, body: 'x' }, other.token)).rejects.toMatchObject({
      code: 'credential-refused',
    });
    const narrow = await broker.issueTaskToken({
      taskId: 't1',
      repository: 'local/app',
      actions: ['forge.comment'],
    });
    await expect(execute('forge.push', { branch: 'warden/fix' }, narrow.token)).rejects.toMatchObject({
      code: 'credential-refused',
    });
    const elsewhere = await broker.issueTaskToken({
      taskId: 't1',
      repository: 'other/app',
      actions: [...ACTION_NAMES],
    });
    await expect(execute('forge.push', { branch: 'warden/fix' }, elsewhere.token)).rejects.toMatchObject({
      code: 'credential-refused',
    });
    expect(await bareHead('warden/fix')).toBeNull();
    expect(decider.asked).toEqual([]);
  });

  it('rejects malformed parameters precisely', async () => {
    await expect(execute('forge.comment', { number: -1, body: 'x', extra: true })).rejects.toMatchObject({
      code: 'action-invalid',
      message: expect.stringMatching(/number/),
    });
  });

  it('keeps every secret out of the journal, the store, errors and outcomes', async () => {
    const asked = (await execute('deploy', { environment: 'production', ref: 'warden/fix' })) as {
      approvalId: string;
    };
    await approvals.decide(asked.approvalId, { approve: true, by: 'alice' });
    const done = await execute('deploy', { environment: 'production', ref: 'warden/fix' });
    expect(JSON.stringify(done)).toContain('[REDACTED]');

    // A failure whose message carries the secret (and the task token).
    gateway = new ActionGateway({
      forge,
      decider,
      broker,
      actions,
      approvals: new ApprovalInbox({ store: approvals }),
      journal: new Journal(store),
      workspaceDir: work,
      deploy: {
        kind: 'command',
        argv: ['/bin/sh', '-c', `echo "failed: ${DEPLOY_SECRET} ${token}"; exit 3`, 'x'],
      },
    });
    const failing = (await execute('deploy', { environment: 'qa', ref: 'main' })) as { approvalId: string };
    await approvals.decide(failing.approvalId, { approve: true, by: 'alice' });
    const error = (await execute('deploy', { environment: 'qa', ref: 'main' }).catch(
      (caught: unknown) => caught,
    )) as Error;
    expect(error).toMatchObject({ code: 'deploy-failed', message: expect.stringContaining('[REDACTED]') });

    const everything = [
      JSON.stringify(await store.listEvents('t1')),
      JSON.stringify(await actions.list('t1')),
      JSON.stringify(await approvals.list()),
      error.message,
      JSON.stringify(error),
      String(error.cause ?? ''),
      JSON.stringify(done),
    ].join('\n');
    expect(everything).not.toContain(DEPLOY_SECRET);
    expect(everything).not.toContain(token);
    const types = (await store.listEvents('t1')).map((event) => event.type);
    expect(types).toContain('approval-request');
    expect(types).toContain('action-result');
  });
});
