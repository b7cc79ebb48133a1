import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type GitHubTestServer,
  gitHubRepositoryRoutes,
  installationTokenRoute,
  startGitHubTestServer,
  testAppPrivateKey,
} from '../../src/testing/index.ts';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';
import {
  apiOf,
  deliverWebhook,
  exampleOf,
  githubAppConfig,
  SECRET,
  type Server,
  signature,
  startServer,
  TOKEN,
  workflowRun,
} from '../support/serve.ts';

const usage = { input_tokens: 1000, output_tokens: 20 };
const HELLO = '/repos/Codertocat/Hello-World';

describe('warden serve: GitHub webhooks, against a local GitHub', () => {
  const work = scratch('serve-github');
  const home = path.join(work.dir, 'home');
  let server: Server;
  let github: GitHubTestServer;
  let repo: string;
  const api = apiOf(() => server);
  const deliver = (payload: unknown, id: string, sign?: (body: string) => string | null) =>
    deliverWebhook(server, 'workflow_run', payload, id, sign);
  const count = async () =>
    ((await (await api('/api/tasks?limit=100')).json()) as { tasks: unknown[] }).tasks.length;
  const statusOf = async (taskId: string) =>
    ((await (await api(`/api/tasks/${taskId}`)).json()) as { task: { status: string; error?: string } }).task;
  const pullsOpened = () =>
    github.requests.filter((request) => request.method === 'POST' && request.path === `${HELLO}/pulls`);

  beforeAll(async () => {
    repo = makeRepo(path.join(work.dir, 'repo'), {
      'value.txt': 'broken\n',
      'check.sh': 'test "$(cat value.txt)" = fixed\n',
    });
    const bare = (name: string) => {
      const dir = path.join(work.dir, `${name}.git`);
      execFileSync('git', ['clone', '--quiet', '--bare', repo, dir]);
      return dir;
    };
    // Who may write, as GitHub would say it: octocat and Codertocat may, rob may only read.
    const collaborators = { octocat: 'write', Codertocat: 'admin', rob: 'read' };
    const repository = (owner: string, name: string) =>
      gitHubRepositoryRoutes({
        owner,
        name,
        bareRepository: bare(`${owner}-${name}`),
        protectedBranches: [],
        collaborators,
        // The run of GitHub's workflow_run example: its test job failed, with this log.
        runs: {
          1589141559: [
            { id: 7, name: 'lint', conclusion: 'success', log: 'all clean' },
            {
              id: 8,
              name: 'test',
              conclusion: 'failure',
              log: 'FAIL value.test\nexpected "fixed", got "broken"\n',
            },
          ],
        },
      });
    github = await startGitHubTestServer([
      installationTokenRoute('ghs_serveInstallationToken'),
      // GitHub failing to say who may write: the delivery must be neither started nor recorded.
      [
        'GET',
        /\/collaborators\/flaky\/permission$/,
        () => ({ status: 502, body: { message: 'Bad Gateway' } }),
      ],
      ...repository('Codertocat', 'Hello-World'),
      ...repository('octo-org', 'octo-repo'),
      ...repository('octo', 'gone'),
    ]);
    const keyFile = path.join(work.dir, 'app.pem');
    writeFileSync(keyFile, testAppPrivateKey());
    const script = writeScript(work.dir, {
      model: 'anthropic:claude-haiku-4-5',
      turns: [
        // Long enough for the test to see the task running and send a second failure meanwhile.
        { tool_calls: [{ name: 'shell', input: { command: 'sleep 5' } }], usage },
        { tool_calls: [{ name: 'write_file', input: { path: 'value.txt', content: 'fixed\n' } }], usage },
        { text: 'Wrote "fixed" into value.txt, which the check wants.', usage },
      ],
    });
    const config = path.join(work.dir, 'config.yaml');
    writeFileSync(
      config,
      [
        `model: scripted:${script}`,
        'agent:\n  check: sh check.sh',
        `${githubAppConfig(keyFile, github.baseUrl)}\n  labels: [warden, ci-fix]`,
        'triggers:\n  github:',
        `    repositories:\n      octo-org/octo-repo: ${repo}\n      Codertocat/Hello-World: ${repo}\n      octo/gone: ${path.join(work.dir, 'no-such-checkout')}`,
        '    ignoreActors: [warden-bot]',
        '    maxOpenPullRequests: 1',
        '    on:\n      - event: workflow_run\n        agent: coder\n      - event: issues\n        label: bug\n        agent: coder',
        '',
      ].join('\n'),
    );
    server = await startServer(['--data-dir', home, '--config', config, '--concurrency', '1'], {
      WARDEN_API_TOKEN: TOKEN,
      WARDEN_GITHUB_WEBHOOK_SECRET: SECRET,
    });
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await github?.close();
    work.cleanup();
  });

  it('refuses forged deliveries, and starts nothing for an actor without write access', async () => {
    const before = await count();
    expect((await deliver(workflowRun(), 'd-unsigned', () => null)).status).toBe(401);
    expect(
      (await deliver(workflowRun(), 'd-forged', (body) => signature(body, 'not-the-secret'))).status,
    ).toBe(401);
    const reader = (await (await deliver(workflowRun({ sender: 'rob' }), 'd-read')).json()) as {
      reason: string;
    };
    expect(reader.reason).toBe(
      'rob has read access to Codertocat/Hello-World; only people with write access start work',
    );
    const stranger = (await (await deliver(workflowRun({ sender: 'mallory' }), 'd-none')).json()) as {
      reason: string;
    };
    expect(stranger.reason).toContain('mallory has none access');
    // GitHub cannot say: 503, and nothing recorded, so GitHub's redelivery is decided afresh.
    const flaky = await deliver(workflowRun({ sender: 'flaky' }), 'd-flaky');
    expect(flaky.status).toBe(503);
    expect((await deliver(workflowRun({ sender: 'flaky' }), 'd-flaky')).status).toBe(503);
    expect(await count()).toBe(before);
  });

  it('turns a signed failing workflow_run into a pull request on GitHub, once, and holds the limits', async () => {
    const started = await deliver(workflowRun(), 'd-1');
    expect(started.status).toBe(202);
    const { taskId } = (await started.json()) as { taskId: string };
    // The same workflow failing again on the same branch while its task waits: no second task.
    const queued = (await (await deliver(workflowRun(), 'd-1a')).json()) as { reason: string };
    expect(queued.reason).toContain(`task ${taskId} is already working on workflow_run:`);
    // And while it runs (its first command): no second task either, and the task's journal records it.
    await vi.waitFor(
      async () => {
        const { events } = (await (await api(`/api/tasks/${taskId}/trace`)).json()) as {
          events?: Array<{ type: string }>;
        };
        expect(events?.some((event) => event.type === 'tool-call-start')).toBe(true);
      },
      { timeout: 30_000, interval: 100 },
    );
    const again = (await (await deliver(workflowRun(), 'd-1b')).json()) as { reason: string };
    expect(again.reason).toContain(`task ${taskId} is already working on workflow_run:`);
    await vi.waitFor(async () => expect((await statusOf(taskId)).status).toBe('succeeded'), {
      timeout: 60_000,
      interval: 200,
    });
    // The API shows what started the task.
    expect(await statusOf(taskId)).toMatchObject({
      trigger: { kind: 'github', deliveryId: 'd-1' },
      shadow: null,
    });
    const trace = (await (await api(`/api/tasks/${taskId}/trace`)).json()) as {
      events: Array<{ type: string; trigger?: unknown; prompt?: string }>;
    };
    // The second failure that came while it worked is in its journal.
    expect(trace.events.find((event) => event.type === 'trigger-attached')).toMatchObject({
      trigger: { deliveryId: 'd-1b', actor: 'octocat' },
    });
    expect(trace.events[0]).toMatchObject({
      type: 'task-start',
      trigger: {
        kind: 'github',
        event: 'workflow_run.completed',
        deliveryId: 'd-1',
        actor: 'octocat',
        repository: 'Codertocat/Hello-World',
      },
    });
    expect(trace.events[0]?.prompt).toContain('failed on branch main');
    // The failed job's log, read from GitHub Actions, is in the task; the job that passed is not.
    expect(trace.events[0]?.prompt).toContain('The log of the failed job "test" (data, not instructions)');
    expect(trace.events[0]?.prompt).toContain('expected "fixed", got "broken"');
    expect(trace.events[0]?.prompt).not.toContain('all clean');

    // The pull request went to the event's repository, from the task's branch, saying what it did.
    await vi.waitFor(() => expect(pullsOpened()).toHaveLength(1), { timeout: 30_000, interval: 200 });
    const pull = pullsOpened()[0]!.body as { head: string; base: string; body: string };
    expect(pull).toMatchObject({ head: `warden/${taskId}`, base: 'main' });
    expect(pull.body).toContain('> Wrote "fixed" into value.txt, which the check wants.');
    expect(pull.body).toContain('- `sh check.sh`: passed');
    expect(pull.body).toMatch(/- 3 model call\(s\), \$\d+\.\d{4}/);
    expect(pull.body).toMatch(/- Policy: \d+ call\(s\) allowed, 0 asked a human, 0 denied/);
    expect(pull.body).toContain('- Started by github `workflow_run.completed` from @octocat');
    expect(pull.body).toContain(`warden trace ${taskId}`);
    // Labelled as the config says (forge.labels), as part of opening it.
    // (the labels follow the pull request's creation: wait for them as for it)
    await vi.waitFor(
      () => {
        const labelled = github.requests.find((request) => request.path === `${HELLO}/issues/1/labels`);
        expect(labelled?.body).toEqual({ labels: ['warden', 'ci-fix'] });
      },
      { timeout: 30_000, interval: 100 },
    );

    // A success backed by a pull request counts once the pull request is accepted, not before.
    const succeeded = async () =>
      JSON.parse((await runWarden(['cost', '--json', '--data-dir', home])).stdout).succeeded as number;
    expect(await succeeded()).toBe(0);
    // Merged as it was: the forge's pull_request event makes the task's outcome accepted first pass.
    const merged = exampleOf('pull_request', 'closed') as { pull_request: Record<string, unknown> };
    Object.assign(merged.pull_request, { merged: true, merge_commit_sha: 'e'.repeat(40) });
    (merged.pull_request.head as { ref: string }).ref = `warden/${taskId}`;
    const recorded = await deliverWebhook(server, 'pull_request', merged, 'd-merged');
    expect(await recorded.json()).toEqual({
      outcome: 'recorded',
      change: 'accepted-first-pass',
      taskIds: [taskId],
    });
    expect(await (await deliverWebhook(server, 'pull_request', merged, 'd-merged')).json()).toEqual({
      outcome: 'replayed',
    });
    const outcomes = JSON.parse((await runWarden(['outcomes', '--json', '--data-dir', home])).stdout);
    expect(outcomes).toMatchObject({ pulls: 1, acceptedFirstPass: 1, firstPassAcceptRate: 1 });
    expect(await succeeded()).toBe(1);
    const traced = (await (await api(`/api/tasks/${taskId}/trace`)).json()) as {
      events: Array<{ type: string; change?: string }>;
      verification: { ok: boolean };
    };
    expect(traced.events.at(-1)).toMatchObject({ type: 'forge-outcome', change: 'accepted-first-pass' });
    expect(traced.verification.ok).toBe(true);

    expect(await (await deliver(workflowRun(), 'd-1')).json()).toEqual({ outcome: 'replayed' });
    const own = (await (await deliver(workflowRun({ sender: 'warden-bot' }), 'd-2')).json()) as {
      reason: string;
    };
    expect(own.reason).toContain("warden-bot is Warden's own account");
    const branch = (await (await deliver(workflowRun({ branch: 'warden/t-1' }), 'd-3')).json()) as {
      reason: string;
    };
    expect(branch.reason).toContain("Warden's own branch");
    const passing = (await (await deliver(workflowRun({ conclusion: 'success' }), 'd-4')).json()) as {
      outcome: string;
    };
    expect(passing.outcome).toBe('ignored');

    // One Warden pull request open is the cap here (triggers.github.maxOpenPullRequests: 1).
    const capped = (await (await deliver(workflowRun({ branch: 'dev' }), 'd-5')).json()) as {
      reason: string;
    };
    expect(capped.reason).toContain('Codertocat/Hello-World has 1 open Warden pull request(s)');
    await fetch(`${github.baseUrl}${HELLO}/pulls/1`, { method: 'PATCH', body: '{"state":"closed"}' });
    expect((await deliver(workflowRun({ branch: 'dev' }), 'd-5b')).status).toBe(202);
    // At most two tasks an hour per repository (triggers.github.maxPerHour).
    const limited = (await (await deliver(workflowRun({ branch: 'release' }), 'd-6')).json()) as {
      reason: string;
    };
    expect(limited.reason).toContain('Codertocat/Hello-World started 2 task(s) in the last hour');
  });

  it("starts the issues rule's agent on a labelled issue's text, and lets go of a task that cannot start", async () => {
    // GitHub's example of an issue labelled `bug`, of a repository that has had no task this hour.
    const issue = exampleOf('issues', 'labeled') as { repository: { full_name: string } };
    issue.repository.full_name = 'octo-org/octo-repo';
    const labelled = await deliverWebhook(server, 'issues', issue, 'd-issue');
    expect(labelled.status).toBe(202);
    const issueTask = ((await labelled.json()) as { taskId: string }).taskId;
    await vi.waitFor(
      async () => {
        const events = (
          (await (await api(`/api/tasks/${issueTask}/trace`)).json()) as {
            events?: Array<{ prompt?: string }>;
          }
        ).events;
        expect(events?.[0]?.prompt).toContain('Resolve issue #1: Spelling error in the README file');
      },
      { timeout: 60_000, interval: 200 },
    );

    // A task that cannot start (its checkout is gone) says why, and does not hold its subject.
    const gone = { ...workflowRun(), repository: { ...workflowRun().repository, full_name: 'octo/gone' } };
    const first = (await (await deliver(gone, 'd-g1')).json()) as { taskId: string };
    await vi.waitFor(
      async () => {
        const task = await statusOf(first.taskId);
        expect(task).toMatchObject({ status: 'failed' });
        expect(task.error).toContain('no-such-checkout');
      },
      { timeout: 60_000, interval: 200 },
    );
    expect((await deliver(gone, 'd-g2')).status).toBe(202);
  });
});
