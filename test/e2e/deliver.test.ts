import { execFileSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBundleDir } from '../../src/policy/index.ts';
import {
  baseCommitRoute,
  installationTokenRoute,
  startGitHubTestServer,
  testAppPrivateKey,
} from '../../src/testing/index.ts';
import { git, makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const writeReadme = {
  tool_calls: [{ name: 'write_file', input: { path: 'NOTES.md', content: 'delivered\n' } }],
  usage: { input_tokens: 1000, output_tokens: 40 },
};

describe('delivery as a pull request through the action gateway (real CLI, local forge)', () => {
  const work = scratch('deliver');
  let repo: string;
  let remote: string;
  const run = async (name: string, config: Record<string, unknown>) => {
    const configFile = path.join(work.dir, `${name}.json`);
    // Only a verified success is delivered: the check is that the notes exist.
    writeFileSync(configFile, JSON.stringify({ agent: { check: 'test -f NOTES.md' }, ...config }));
    const script = writeScript(work.dir, { turns: [writeReadme, { text: 'done' }] }, `${name}-script.json`);
    const home = path.join(work.dir, `home-${name}`);
    const result = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      `add notes (${name})`,
      '--model',
      `scripted:${script}`,
      '--config',
      configFile,
      '--data-dir',
      home,
      '--json',
    ]);
    const trace = await runWarden(['trace', JSON.parse(result.stdout).taskId, '--json', '--data-dir', home]);
    return {
      code: result.code,
      report: JSON.parse(result.stdout),
      stderr: result.stderr,
      events: JSON.parse(trace.stdout) as Array<Record<string, unknown>>,
    };
  };

  beforeAll(() => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    remote = path.join(work.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', repo, remote]);
  });
  afterAll(work.cleanup);

  it('pushes the warden branch and opens a pull request, each step decided by policy and journaled', async () => {
    const { code, report, events } = await run('opened', { forge: { kind: 'local', remote } });
    expect(code).toBe(0);
    expect(report.delivery).toMatchObject({ status: 'opened' });
    expect(report.pullRequest).toMatchObject({ number: 1 });
    // The remote holds exactly the commit the task left in the user's repository.
    expect(git(remote, 'rev-parse', report.branch)).toBe(git(repo, 'rev-parse', report.branch));
    expect(git(remote, 'show', `${report.branch}:NOTES.md`)).toBe('delivered');
    expect(git(remote, 'rev-parse', 'main')).toBe(git(repo, 'rev-parse', 'main'));

    const decisions = events.filter((event) => event.type === 'decision' && event.action);
    expect(decisions.map((event) => [event.action, event.decision])).toEqual([
      ['forge.push', 'allow'],
      ['forge.open_pr', 'allow'],
    ]);
    expect(decisions[0]!.policyIds).toEqual(['forge-push-warden-branches']);
    expect(decisions[0]!.bundleHash).toMatch(/^[0-9a-f]{64}$/);
    const results = events.filter((event) => event.type === 'action-result');
    expect(results.map((event) => [event.action, event.status])).toEqual([
      ['forge.push', 'done'],
      ['forge.open_pr', 'done'],
    ]);
    // Delivery comes after the task ended: the task's own record is complete first.
    const taskEnd = events.findIndex((event) => event.type === 'task-end');
    expect(events.indexOf(results[0]!)).toBeGreaterThan(taskEnd);
  });

  it('in shadow mode pushes and posts nothing, and keeps the pull request it would have opened', async () => {
    const before = execFileSync('git', [
      '--git-dir',
      remote,
      'for-each-ref',
      '--format=%(refname)',
    ]).toString();
    const { code, report, events } = await run('shadow', {
      forge: { kind: 'local', remote },
      agent: { check: 'test -f NOTES.md', mode: 'shadow' },
    });
    expect(code).toBe(0);
    expect(report).toMatchObject({ status: 'succeeded', delivery: null, pullRequest: null });
    expect(report.shadow).toMatchObject({ repository: remote, branch: report.branch });
    expect(report.shadow.title).toBe('warden: add notes (shadow)');
    expect(report.shadow.body).toContain('- `test -f NOTES.md`: passed');
    // Nothing reached the forge: no branch pushed, no action taken.
    const after = execFileSync('git', [
      '--git-dir',
      remote,
      'for-each-ref',
      '--format=%(refname)',
    ]).toString();
    expect(after).toBe(before);
    expect(events.some((event) => event.type === 'action-result' || event.action !== undefined)).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'shadow-result', title: 'warden: add notes (shadow)' });
    const listed = await runWarden(['tasks', '--json', '--data-dir', path.join(work.dir, 'home-shadow')]);
    expect(JSON.parse(listed.stdout)[0].shadow).toMatchObject({ title: 'warden: add notes (shadow)' });
    const text = await runWarden(['tasks', '--data-dir', path.join(work.dir, 'home-shadow')]);
    expect(text.stdout).toContain('(shadow: would open "warden: add notes (shadow)")');
  });

  it('leaves the task succeeded but opens nothing when policy forbids the pull request', async () => {
    const bundle = path.join(work.dir, 'no-prs');
    cpSync(defaultBundleDir(), bundle, { recursive: true });
    writeFileSync(
      path.join(bundle, 'no-prs.cedar'),
      [
        '@id("no-pull-requests")',
        '@reason("this team opens pull requests by hand")',
        'forbid (principal, action == Warden::Action::"forge.open_pr", resource);',
        '',
      ].join('\n'),
    );
    const { code, report, events } = await run('denied', {
      forge: { kind: 'local', remote },
      policy: { bundle },
    });
    expect(code).toBe(0);
    expect(report.status).toBe('succeeded');
    expect(report.pullRequest).toBeNull();
    expect(report.delivery.status).toBe('denied');
    expect(report.delivery.detail).toMatch(
      /forge.open_pr was denied by policy: this team opens pull requests by hand/,
    );
    const denied = events.find((event) => event.type === 'action-result' && event.action === 'forge.open_pr');
    expect(denied).toMatchObject({ status: 'denied', by: 'policy', policyIds: ['no-pull-requests'] });

    // The same candidate bundle, backtested on the first test's journal, reports the action it would deny.
    const backtest = await runWarden([
      'policy',
      'backtest',
      '--bundle',
      bundle,
      '--json',
      '--data-dir',
      path.join(work.dir, 'home-opened'),
    ]);
    expect(backtest.code, backtest.stderr).toBe(0);
    const difference = JSON.parse(backtest.stdout);
    expect(difference.newlyDenied.count).toBe(1);
    expect(difference.newlyDenied.examples[0]).toMatchObject({
      tool: 'forge.open_pr',
      before: 'allow',
      after: 'deny',
      policyIds: ['no-pull-requests'],
    });
  });

  it('delivers to GitHub as the App: the commit through the Git Data API, then the pull request', async () => {
    const privateKey = testAppPrivateKey();
    const keyFile = path.join(work.dir, 'app.pem');
    writeFileSync(keyFile, privateKey);
    const base = git(repo, 'rev-parse', 'HEAD');
    const server = await startGitHubTestServer([
      installationTokenRoute('ghs_e2eInstallationToken'),
      ['GET', /^\/repos\/acme\/app$/, () => ({ status: 200, body: { default_branch: 'main' } })],
      ['GET', /^\/repos\/acme\/app\/branches$/, () => ({ status: 200, body: [] })],
      baseCommitRoute(() => base),
      ['POST', /^\/repos\/acme\/app\/git\/blobs$/, () => ({ status: 201, body: { sha: 'blob-1' } })],
      ['POST', /^\/repos\/acme\/app\/git\/trees$/, () => ({ status: 201, body: { sha: 'tree-1' } })],
      ['POST', /^\/repos\/acme\/app\/git\/commits$/, () => ({ status: 201, body: { sha: 'a'.repeat(40) } })],
      ['POST', /^\/repos\/acme\/app\/git\/refs$/, () => ({ status: 201, body: {} })],
      [
        'POST',
        /^\/repos\/acme\/app\/pulls$/,
        (request) => {
          const body = request.body as { head: string; base: string; title: string; body: string };
          return {
            status: 201,
            body: {
              number: 42,
              head: { ref: body.head },
              base: { ref: body.base },
              title: body.title,
              body: body.body,
              state: 'open',
              html_url: 'https://github.test/acme/app/pull/42',
              requested_reviewers: [],
            },
          };
        },
      ],
    ]);
    try {
      const github = { owner: 'acme', repo: 'app', appId: 1, installationId: 5, privateKeyFile: keyFile };
      const { code, report } = await run('github', {
        forge: { kind: 'github', github: { ...github, apiUrl: server.baseUrl } },
      });
      expect(code).toBe(0);
      expect(report.pullRequest).toEqual({ number: 42, url: 'https://github.test/acme/app/pull/42' });
      const paths = server.requests.map((request) => `${request.method} ${decodeURIComponent(request.path)}`);
      const refs = paths.indexOf('POST /repos/acme/app/git/refs');
      expect(refs).toBeGreaterThan(0);
      expect(paths.indexOf('POST /repos/acme/app/pulls')).toBeGreaterThan(refs);
      const pull = server.requests.find((request) => request.path === '/repos/acme/app/pulls');
      expect(pull?.body).toMatchObject({ head: report.branch, base: 'main' });
      expect(String((pull?.body as { body?: string } | undefined)?.body)).toContain(
        `Warden-Task: ${report.taskId}`,
      );
      // The private key and the installation token stay in the host process.
      expect(JSON.stringify(report)).not.toContain('ghs_e2eInstallationToken');
    } finally {
      await server.close();
    }
  });

  it('refuses a local forge without a remote, naming the field', async () => {
    const configFile = path.join(work.dir, 'bad.json');
    writeFileSync(configFile, JSON.stringify({ forge: { kind: 'local' } }));
    const result = await runWarden(['tasks', '--config', configFile, '--data-dir', path.join(work.dir, 'h')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('forge.remote');
  });
});
