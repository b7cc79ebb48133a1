import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type GitHubTestServer,
  installationTokenRoute,
  type RecordedRequest,
  startGitHubTestServer,
  testAppPrivateKey,
  testGitHubForge,
} from '../testing/index.ts';
import type { GitHubForge } from './github-forge.ts';

const INSTALLATION_TOKEN = 'ghs_narrowedInstallationToken0123456789';

function pull(number: number, body: Record<string, unknown>, reviewers: string[] = []) {
  return {
    number,
    head: { ref: (body.head as string) ?? 'warden/fix' },
    base: { ref: (body.base as string) ?? 'main' },
    title: (body.title as string) ?? 'Fix',
    body: (body.body as string) ?? '',
    state: (body.state as string) ?? 'open',
    html_url: `https://github.test/acme/app/pull/${number}`,
    requested_reviewers: reviewers.map((login) => ({ login })),
  };
}

describe('GitHubForge against a local GitHub REST server', () => {
  const privateKey = testAppPrivateKey();
  let server: GitHubTestServer;
  let forge: GitHubForge;

  beforeEach(async () => {
    server = await startGitHubTestServer([
      installationTokenRoute(INSTALLATION_TOKEN),
      [
        'POST',
        /^\/repos\/acme\/app\/pulls$/,
        (request) => ({ status: 201, body: pull(7, request.body as never) }),
      ],
      [
        'PATCH',
        /^\/repos\/acme\/app\/pulls\/(\d+)$/,
        (request, match) => ({ status: 200, body: pull(Number(match[1]), request.body as never) }),
      ],
      [
        'POST',
        /^\/repos\/acme\/app\/issues\/(\d+)\/comments$/,
        (request, match) =>
          match[1] === '404'
            ? { status: 404, body: { message: 'Not Found' } }
            : {
                status: 201,
                body: {
                  id: 99,
                  body: (request.body as { body: string }).body,
                  html_url: 'https://github.test/c/99',
                },
              },
      ],
      [
        'POST',
        /^\/repos\/acme\/app\/pulls\/(\d+)\/requested_reviewers$/,
        (request, match) => ({
          status: 201,
          body: pull(Number(match[1]), {}, (request.body as { reviewers: string[] }).reviewers),
        }),
      ],
      [
        'GET',
        /^\/repos\/acme\/app\/collaborators\/([^/]+)\/permission$/,
        (_request, match) => {
          const roles: Record<string, [string, string]> = {
            ada: ['admin', 'admin'],
            max: ['write', 'maintain'],
            wes: ['write', 'write'],
            tia: ['read', 'triage'],
            rob: ['read', 'read'],
          };
          if (match[1] === 'flaky') return { status: 502, body: { message: 'Bad Gateway' } };
          const role = roles[match[1]!];
          if (!role) return { status: 404, body: { message: 'Not Found' } };
          return { status: 200, body: { permission: role[0], role_name: role[1] } };
        },
      ],
      [
        'POST',
        /^\/repos\/acme\/app\/pulls\/(\d+)\/reviews$/,
        (request) => {
          const review = request.body as { body: string; comments: Array<{ path: string }> };
          if (review.comments.some((comment) => comment.path === 'outside.txt')) {
            return { status: 422, body: { message: 'Unprocessable Entity' } };
          }
          return { status: 200, body: { id: 5, body: review.body, html_url: 'https://github.test/r/5' } };
        },
      ],
      ['GET', /^\/repos\/acme\/app$/, () => ({ status: 200, body: { default_branch: 'trunk' } })],
      ['GET', /^\/repos\/acme\/app\/branches$/, () => ({ status: 200, body: [{ name: 'release' }] })],
    ]);
    forge = testGitHubForge(server, privateKey);
  });
  afterEach(() => server.close());

  const restCalls = (): RecordedRequest[] =>
    server.requests.filter((request) => request.path.startsWith('/repos/'));

  it('opens, updates, comments on and requests review of a pull request with a narrowed token', async () => {
    const opened = await forge.openPullRequest({
      head: 'warden/fix',
      base: 'main',
      title: 'Fix it',
      body: 'Why',
    });
    expect(opened).toMatchObject({ number: 7, head: 'warden/fix', base: 'main', state: 'open' });
    const updated = await forge.updatePullRequest(7, { title: 'Fix it better', state: 'closed' });
    expect(updated).toMatchObject({ title: 'Fix it better', state: 'closed' });
    expect(await forge.comment(7, 'Tests pass.')).toMatchObject({
      id: 99,
      pullRequest: 7,
      body: 'Tests pass.',
    });
    expect((await forge.requestReview(7, ['alice'])).reviewers).toEqual(['alice']);

    expect(restCalls().map((request) => [request.method, request.path, request.body])).toEqual([
      ['POST', '/repos/acme/app/pulls', { head: 'warden/fix', base: 'main', title: 'Fix it', body: 'Why' }],
      ['PATCH', '/repos/acme/app/pulls/7', { title: 'Fix it better', state: 'closed' }],
      ['POST', '/repos/acme/app/issues/7/comments', { body: 'Tests pass.' }],
      ['POST', '/repos/acme/app/pulls/7/requested_reviewers', { reviewers: ['alice'] }],
    ]);
    for (const request of restCalls()) expect(request.authorization).toBe(`token ${INSTALLATION_TOKEN}`);
    const tokenRequests = server.requests.filter((request) => request.path.startsWith('/app/'));
    expect(tokenRequests.length).toBeGreaterThan(0);
    for (const request of tokenRequests) {
      expect(request.authorization).toMatch(/^bearer ey/i);
      expect(request.body).toEqual({ repositories: ['app'], permissions: { pull_requests: 'write' } });
    }
  });

  it('reads the default and protected branches', async () => {
    expect(await forge.defaultBranch()).toBe('trunk');
    expect(await forge.protectedBranches()).toEqual(['trunk', 'release']);
    const branches = restCalls().find((request) => request.path.includes('/branches'));
    expect(branches?.path).toContain('protected=true');
  });

  it('says who has write access: admin, maintain and write roles, not triage, read or a stranger', async () => {
    const answers = await Promise.all(
      ['ada', 'max', 'wes', 'tia', 'rob', 'stranger'].map(async (login) => [
        login,
        await forge.writeAccess(login),
      ]),
    );
    expect(Object.fromEntries(answers)).toEqual({
      ada: { allowed: true, permission: 'admin' },
      max: { allowed: true, permission: 'maintain' },
      wes: { allowed: true, permission: 'write' },
      tia: { allowed: false, permission: 'triage' },
      rob: { allowed: false, permission: 'read' },
      stranger: { allowed: false, permission: 'none' },
    });
    // GitHub failing to answer is not "no access": it is a retryable failure the caller must handle.
    await expect(forge.writeAccess('flaky')).rejects.toMatchObject({
      code: 'forge-failed',
      isRetryable: true,
    });
  });

  it('reviews with line comments, only commenting; a line GitHub refuses goes into the body instead', async () => {
    const placed = await forge.review(7, {
      body: 'Two notes.',
      comments: [{ path: 'a.ts', line: 3, body: 'off by one' }],
    });
    expect(placed).toMatchObject({ id: 5, pullRequest: 7, body: 'Two notes.' });
    const outside = await forge.review(7, {
      body: 'One note.',
      comments: [{ path: 'outside.txt', line: 1, body: 'not in the diff' }],
    });
    expect(outside.body).toBe('One note.\n\n- `outside.txt:1`: not in the diff');
    const reviews = restCalls().filter((request) => request.path.endsWith('/reviews'));
    expect(reviews.map((request) => request.body)).toEqual([
      {
        event: 'COMMENT',
        body: 'Two notes.',
        comments: [{ path: 'a.ts', line: 3, body: 'off by one', side: 'RIGHT' }],
      },
      {
        event: 'COMMENT',
        body: 'One note.',
        comments: [{ path: 'outside.txt', line: 1, body: 'not in the diff', side: 'RIGHT' }],
      },
      { event: 'COMMENT', body: 'One note.\n\n- `outside.txt:1`: not in the diff', comments: [] },
    ]);
  });

  it('turns a refusal into forge-failed without the token', async () => {
    const error = (await forge.comment(404, 'x').catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: 'forge-failed', message: expect.stringContaining('HTTP 404') });
    expect(JSON.stringify(error) + error.message).not.toContain(INSTALLATION_TOKEN);
  });
});
