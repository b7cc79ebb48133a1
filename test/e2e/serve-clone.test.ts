import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type GitHubTestServer,
  gitHubRepositoryRoutes,
  installationTokenRoute,
  startGitHubTestServer,
  testAppPrivateKey,
} from '../../src/testing/index.ts';
import { git, makeRepo, scratch, writeScript } from '../support/cli.ts';
import {
  apiOf,
  deliverWebhook,
  githubAppConfig,
  SECRET,
  type Server,
  startServer,
  TOKEN,
  workflowRun,
} from '../support/serve.ts';

const usage = { input_tokens: 1000, output_tokens: 20 };
const INSTALLATION_TOKEN = 'ghs_cloneInstallationToken';

describe('warden serve on a repository it clones from GitHub itself', () => {
  const work = scratch('serve-clone');
  const home = path.join(work.dir, 'home');
  let server: Server;
  let github: GitHubTestServer;
  let bare: string;
  let failing = '';
  const api = apiOf(() => server);

  beforeAll(async () => {
    // On GitHub only: main, and a dev branch whose latest commit is the one CI failed on.
    const source = makeRepo(path.join(work.dir, 'source'), {
      'value.txt': 'broken\n',
      'check.sh': 'test "$(cat value.txt)" = fixed && test -f dev.txt\n',
    });
    git(source, 'checkout', '--quiet', '-b', 'dev');
    writeFileSync(path.join(source, 'dev.txt'), 'only on dev\n');
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@e.com', 'add', 'dev.txt'], { cwd: source });
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@e.com', 'commit', '-qm', 'dev'], {
      cwd: source,
    });
    failing = git(source, 'rev-parse', 'HEAD');
    git(source, 'checkout', '--quiet', 'main');
    const root = path.join(work.dir, 'github');
    mkdirSync(path.join(root, 'Codertocat'), { recursive: true });
    bare = path.join(root, 'Codertocat', 'Hello-World.git');
    execFileSync('git', ['clone', '--quiet', '--bare', source, bare]);
    github = await startGitHubTestServer(
      [
        installationTokenRoute(INSTALLATION_TOKEN),
        ...gitHubRepositoryRoutes({
          owner: 'Codertocat',
          name: 'Hello-World',
          bareRepository: bare,
          protectedBranches: [],
          collaborators: { octocat: 'write' },
        }),
      ],
      { git: { root, token: INSTALLATION_TOKEN } },
    );
    const keyFile = path.join(work.dir, 'app.pem');
    writeFileSync(keyFile, testAppPrivateKey());
    const script = writeScript(work.dir, {
      model: 'anthropic:claude-haiku-4-5',
      turns: [
        { tool_calls: [{ name: 'write_file', input: { path: 'value.txt', content: 'fixed\n' } }], usage },
        { text: 'Fixed value.txt.', usage },
      ],
    });
    const config = path.join(work.dir, 'config.yaml');
    writeFileSync(
      config,
      [
        `model: scripted:${script}`,
        'agent:\n  check: sh check.sh',
        `${githubAppConfig(keyFile, github.baseUrl)}\n    gitUrl: ${github.baseUrl}`,
        'triggers:\n  github:',
        '    repositories:\n      Codertocat/Hello-World: clone',
        '    on:\n      - event: workflow_run\n        agent: coder',
        '',
      ].join('\n'),
    );
    server = await startServer(['--data-dir', home, '--config', config], {
      WARDEN_API_TOKEN: TOKEN,
      WARDEN_GITHUB_WEBHOOK_SECRET: SECRET,
    });
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await github?.close();
    work.cleanup();
  });

  it('fetches the failed commit with an installation token, fixes it there, and pushes the fix back', async () => {
    const payload = workflowRun({ branch: 'dev' }) as ReturnType<typeof workflowRun> & {
      workflow_run: { head_sha: string };
    };
    payload.workflow_run.head_sha = failing;
    const started = await deliverWebhook(server, 'workflow_run', payload, 'clone-1');
    expect(started.status).toBe(202);
    const { taskId } = (await started.json()) as { taskId: string };
    await vi.waitFor(
      async () => {
        const { task } = (await (await api(`/api/tasks/${taskId}`)).json()) as { task: { status: string } };
        expect(task.status).toBe('succeeded');
      },
      { timeout: 60_000, interval: 200 },
    );
    // The task's branch on GitHub is one commit on top of the commit CI failed on (dev, not main).
    await vi.waitFor(() => expect(git(bare, 'rev-parse', `refs/heads/warden/${taskId}^`)).toBe(failing), {
      timeout: 30_000,
      interval: 200,
    });
    expect(git(bare, 'show', `warden/${taskId}:value.txt`)).toBe('fixed');
    const checkout = path.join(home, 'checkouts', 'Codertocat', 'Hello-World');
    expect(existsSync(path.join(checkout, '.git'))).toBe(true);
    // The ref the task was fetched into is gone once it has ended.
    await vi.waitFor(() => expect(git(checkout, 'for-each-ref', 'refs/warden/fetched/')).toBe(''), {
      timeout: 10_000,
    });
    const fetches = github.requests.filter((request) => request.path.includes('/Hello-World.git/'));
    expect(fetches.length).toBeGreaterThan(0);
    expect(fetches.every((request) => request.body !== 'refused: bad credentials')).toBe(true);
  });
});
