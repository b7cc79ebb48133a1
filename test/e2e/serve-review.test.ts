import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
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
import { git, makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';
import {
  apiOf,
  deliverWebhook,
  exampleOf,
  githubAppConfig,
  SECRET,
  type Server,
  startServer,
  TOKEN,
} from '../support/serve.ts';

const usage = { input_tokens: 1000, output_tokens: 20 };
const HELLO = '/repos/Codertocat/Hello-World';
const ALERT_SECRET = 'alert-secret-5c6d';
const FINDING = 'the discount is applied twice; take it off the subtotal once.';
const REVIEW = `The change adds a discount.\n\n- \`src/cart.js:1\`: ${FINDING}`;

describe('warden serve: the reviewer on pull requests, work asked for in a comment, and alerts', () => {
  const work = scratch('serve-review');
  const home = path.join(work.dir, 'home');
  let server: Server;
  let github: GitHubTestServer;
  let pullNumber: number;
  const api = apiOf(() => server);
  const taskOf = async (taskId: string) => {
    const trace = (await (await api(`/api/tasks/${taskId}/trace`)).json()) as {
      task?: { status: string };
      events?: Array<{ type: string; prompt?: string }>;
    };
    return trace;
  };
  const requestsTo = (method: string, pattern: RegExp) =>
    github.requests.filter((request) => request.method === method && pattern.test(request.path));

  beforeAll(async () => {
    const repo = makeRepo(path.join(work.dir, 'repo'), { 'src/cart.js': 'export const total = (x) => x;\n' });
    const bare = path.join(work.dir, 'hello.git');
    execFileSync('git', ['clone', '--quiet', '--bare', repo, bare]);
    // A contributor's branch on GitHub, and the pull request that asks to merge it.
    git(repo, 'checkout', '--quiet', '-b', 'feature/discount');
    writeFileSync(path.join(repo, 'src/cart.js'), 'export const total = (x, d) => x - d - d;\n');
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@e.com', 'commit', '-qam', 'discount'], {
      cwd: repo,
    });
    git(repo, 'push', '--quiet', bare, 'feature/discount');
    git(repo, 'checkout', '--quiet', 'main');
    github = await startGitHubTestServer([
      installationTokenRoute('ghs_reviewInstallationToken'),
      ...gitHubRepositoryRoutes({
        owner: 'Codertocat',
        name: 'Hello-World',
        bareRepository: bare,
        protectedBranches: [],
        collaborators: { octocat: 'write', Codertocat: 'admin' },
        issues: [2],
      }),
    ]);
    const opened = await fetch(`${github.baseUrl}${HELLO}/pulls`, {
      method: 'POST',
      body: JSON.stringify({ head: 'feature/discount', base: 'main', title: 'Add a discount' }),
    });
    pullNumber = ((await opened.json()) as { number: number }).number;

    const keyFile = path.join(work.dir, 'app.pem');
    writeFileSync(keyFile, testAppPrivateKey());
    const script = writeScript(work.dir, {
      model: 'anthropic:claude-haiku-4-5',
      turns: [
        { tool_calls: [{ name: 'read_file', input: { path: 'src/cart.js' } }], usage },
        { text: REVIEW, usage },
      ],
    });
    const config = path.join(work.dir, 'config.yaml');
    writeFileSync(
      config,
      [
        `model: scripted:${script}`,
        githubAppConfig(keyFile, github.baseUrl),
        'triggers:\n  github:',
        `    repositories:\n      Codertocat/Hello-World: ${repo}`,
        '    ignoreActors: [warden-bot]',
        '    on:\n      - event: pull_request\n        agent: reviewer\n      - event: issue_comment\n        agent: reviewer',
        `  alerts:\n    services:\n      api: ${repo}`,
        '',
      ].join('\n'),
    );
    server = await startServer(['--data-dir', home, '--config', config], {
      WARDEN_API_TOKEN: TOKEN,
      WARDEN_GITHUB_WEBHOOK_SECRET: SECRET,
      WARDEN_ALERT_WEBHOOK_SECRET: ALERT_SECRET,
    });
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await github?.close();
    work.cleanup();
  });

  it('reviews an opened pull request from its diff as a GitHub review with line comments, pushing nothing', async () => {
    const payload = exampleOf('pull_request', 'opened') as {
      pull_request: { number: number; head: { ref: string }; title: string };
      sender: { login: string };
    };
    Object.assign(payload.pull_request, { number: pullNumber, title: 'Add a discount' });
    payload.pull_request.head.ref = 'feature/discount';
    payload.sender.login = 'octocat';
    const started = await deliverWebhook(server, 'pull_request', payload, 'r-1');
    expect(started.status).toBe(202);
    const { taskId } = (await started.json()) as { taskId: string };

    // A GitHub review that only comments, the line the agent named as a line comment.
    await vi.waitFor(() => expect(requestsTo('POST', /\/pulls\/\d+\/reviews$/)).toHaveLength(1), {
      timeout: 60_000,
      interval: 200,
    });
    const [review] = requestsTo('POST', /\/pulls\/\d+\/reviews$/);
    expect(review!.path).toBe(`${HELLO}/pulls/${pullNumber}/reviews`);
    const posted = review!.body as { body: string; event: string; comments: unknown[] };
    expect(posted.event).toBe('COMMENT');
    expect(posted.comments).toEqual([{ path: 'src/cart.js', line: 1, body: FINDING, side: 'RIGHT' }]);
    expect(posted.body.startsWith('The change adds a discount.')).toBe(true);
    expect(posted.body).toContain(`warden trace ${taskId}`);

    // The task was given the pull request's diff, fetched from GitHub.
    const { events } = await taskOf(taskId);
    expect(events?.[0]?.prompt).toContain('Review pull request #1: Add a discount');
    expect(events?.[0]?.prompt).toContain('+export const total = (x, d) => x - d - d;');
    // Comments only: nothing pushed, no pull request opened.
    expect(requestsTo('POST', /\/git\/(refs|commits|blobs|trees)$/)).toEqual([]);
    expect(requestsTo('POST', /\/pulls$/)).toHaveLength(1);

    // Warden's own pull request is never reviewed (it never triggers itself).
    payload.pull_request.head.ref = `warden/${taskId}`;
    const own = (await (await deliverWebhook(server, 'pull_request', payload, 'r-2')).json()) as {
      reason: string;
    };
    expect(own.reason).toBe(`pull request #${pullNumber} is Warden's own`);
  });

  it('answers a comment that mentions it, and never its own comments', async () => {
    const payload = exampleOf('issue_comment', 'created') as {
      issue: { number: number };
      comment: { body: string };
      sender: { login: string };
    };
    payload.issue.number = 2;
    payload.sender.login = 'octocat';
    payload.comment.body = 'Could you look at the cart total? It is not mentioning anyone.';
    const quiet = (await (await deliverWebhook(server, 'issue_comment', payload, 'c-0')).json()) as {
      outcome: string;
    };
    expect(quiet.outcome).toBe('ignored');

    payload.comment.body = '@Warden why is the cart total wrong?';
    const asked = await deliverWebhook(server, 'issue_comment', payload, 'c-1');
    expect(asked.status).toBe(202);
    const { taskId } = (await asked.json()) as { taskId: string };
    await vi.waitFor(() => expect(requestsTo('POST', /\/issues\/2\/comments$/).length).toBeGreaterThan(0), {
      timeout: 60_000,
      interval: 200,
    });
    const { events } = await taskOf(taskId);
    // The comment is shown as data, in a block of its own, after who asked.
    expect(events?.[0]?.prompt).toMatch(
      /@octocat asks, in a comment:\n\n<<untrusted (\w+) kind="comment" source="a comment on issue #2 by @\w+">>\n@Warden why is the cart total wrong\?\n<<end untrusted \1>>/,
    );

    // The answer it posted, delivered back to it as a new comment, starts nothing.
    const posted = requestsTo('POST', /\/issues\/2\/comments$/)[0]!.body as { body: string };
    payload.comment.body = `@warden ${posted.body}`;
    const echo = (await (await deliverWebhook(server, 'issue_comment', payload, 'c-2')).json()) as {
      reason: string;
    };
    expect(echo.reason).toBe("the comment is Warden's own");
  });

  it('investigates a signed PagerDuty or Alertmanager alert once, and measures the time to diagnosis', async () => {
    const hmac = (body: string, secret = ALERT_SECRET) =>
      createHmac('sha256', secret).update(body).digest('hex');
    const post = (payload: unknown, headers: (body: string) => Record<string, string>) => {
      const body = JSON.stringify(payload);
      return fetch(`${server.url}/webhooks/alert`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers(body) },
      });
    };
    const fired = new Date(Date.now() - 5 * 60_000).toISOString();
    // PagerDuty's v3 webhook shape, signed as PagerDuty signs (v1=, possibly several).
    const incident = (eventType: string, service = 'api') => ({
      event: {
        id: `pd-${eventType}-${service}`,
        event_type: eventType,
        resource_type: 'incident',
        occurred_at: fired,
        data: {
          id: 'PGR0VU2',
          type: 'incident',
          title: 'Checkout error rate above 5%',
          html_url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
          urgency: 'high',
          service: { id: 'PF9KMXH', summary: service, type: 'service_reference' },
        },
      },
    });
    const pagerduty = (body: string) => ({
      'x-pagerduty-signature': `v1=${hmac(body, 'old')},v1=${hmac(body)}`,
    });

    expect((await post(incident('incident.triggered'), () => ({}))).status).toBe(401);
    expect(
      (
        await post(incident('incident.triggered'), (body) => ({
          'x-pagerduty-signature': `v1=${hmac(body, 'x')}`,
        }))
      ).status,
    ).toBe(401);
    const started = await post(incident('incident.triggered'), pagerduty);
    expect(started.status).toBe(202);
    const { taskId } = (await started.json()) as { taskId: string };
    expect(await (await post(incident('incident.triggered'), pagerduty)).json()).toEqual({
      outcome: 'replayed',
    });
    expect(await (await post(incident('incident.resolved'), pagerduty)).json()).toMatchObject({
      outcome: 'ignored',
    });
    const other = (await (await post(incident('incident.triggered', 'billing'), pagerduty)).json()) as {
      reason: string;
    };
    expect(other.reason).toBe('service billing is not in triggers.alerts.services');

    // Alertmanager's webhook (version 4), signed with X-Warden-Signature.
    const group = {
      version: '4',
      groupKey: '{}:{alertname="HighLatency"}',
      status: 'firing',
      receiver: 'warden',
      externalURL: 'http://alertmanager.test:9093',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'HighLatency', service: 'api', severity: 'page' },
          annotations: { summary: 'p99 latency above 2s', description: 'GET /cart is slow' },
          startsAt: fired,
          endsAt: '0001-01-01T00:00:00Z',
          fingerprint: 'a1b2c3',
        },
      ],
    };
    const grouped = await post(group, (body) => ({ 'x-warden-signature': `sha256=${hmac(body)}` }));
    expect(grouped.status).toBe(202);
    const second = ((await grouped.json()) as { taskId: string }).taskId;

    for (const id of [taskId, second]) {
      await vi.waitFor(async () => expect((await taskOf(id)).task?.status).toBe('unverified'), {
        timeout: 60_000,
        interval: 200,
      });
    }
    expect((await taskOf(taskId)).events?.[0]).toMatchObject({
      prompt: expect.stringContaining('Alert: Checkout error rate above 5% (service api'),
      trigger: { kind: 'alert', event: 'pagerduty.incident.triggered', actor: 'pagerduty' },
    });
    expect((await taskOf(second)).events?.[0]?.prompt).toContain('GET /cart is slow');
    const report = JSON.parse((await runWarden(['outcomes', '--json', '--data-dir', home])).stdout);
    expect(report.alerts).toMatchObject({ investigated: 2, diagnosed: 2 });
    expect(report.alerts.timeToDiagnosisMinutes.p50).toBeGreaterThanOrEqual(5);
  });
});
