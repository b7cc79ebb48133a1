import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  baseCommitRoute,
  type GitHubTestServer,
  installationTokenRoute,
  startGitHubTestServer,
  testAppPrivateKey,
  testGitHubForge,
} from '../testing/index.ts';
import type { GitHubForge } from './github-forge.ts';

const GITHUB_COMMIT = 'c0ffee0000000000000000000000000000000001';

/** The id git gives a blob: what GitHub answers for the same bytes. */
function blobId(content: Buffer): string {
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]))
    .digest('hex');
}

describe('GitHubForge pushes a branch through the Git Data API (local GitHub server)', () => {
  const privateKey = testAppPrivateKey();
  let server: GitHubTestServer;
  let forge: GitHubForge;
  let repo: string;
  let base: string;
  let change: string;
  let existingBranch: string | null;
  const binary = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0]);

  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', ...args], {
      cwd: repo,
      stdio: 'pipe',
    })
      .toString()
      .trim();

  beforeEach(async () => {
    repo = mkdtempSync(path.join(tmpdir(), 'warden-github-push-'));
    git('init', '--quiet', '--initial-branch=main');
    writeFileSync(path.join(repo, 'README.md'), '# app\n');
    writeFileSync(path.join(repo, 'old.txt'), 'going away\n');
    git('add', '-A');
    git('commit', '--quiet', '-m', 'base');
    base = git('rev-parse', 'HEAD');
    git('switch', '--quiet', '-c', 'warden/t1');
    writeFileSync(path.join(repo, 'README.md'), '# app\n\nfixed\n');
    writeFileSync(path.join(repo, 'logo.bin'), binary);
    writeFileSync(path.join(repo, 'run.sh'), '#!/bin/sh\necho hi\n');
    chmodSync(path.join(repo, 'run.sh'), 0o755);
    unlinkSync(path.join(repo, 'old.txt'));
    git('add', '-A');
    git('commit', '--quiet', '-m', 'warden: fix\n\nWarden-Task: t1');
    change = git('rev-parse', 'HEAD');
    existingBranch = null;

    server = await startGitHubTestServer([
      installationTokenRoute('ghs_pushToken'),
      baseCommitRoute(() => base),
      ['GET', /^\/repos\/acme\/app$/, () => ({ status: 200, body: { default_branch: 'main' } })],
      ['GET', /^\/repos\/acme\/app\/branches$/, () => ({ status: 200, body: [{ name: 'release' }] })],
      [
        'POST',
        /^\/repos\/acme\/app\/git\/blobs$/,
        (request) => ({
          status: 201,
          body: { sha: blobId(Buffer.from((request.body as { content: string }).content, 'base64')) },
        }),
      ],
      ['POST', /^\/repos\/acme\/app\/git\/trees$/, () => ({ status: 201, body: { sha: 'new-tree' } })],
      ['POST', /^\/repos\/acme\/app\/git\/commits$/, () => ({ status: 201, body: { sha: GITHUB_COMMIT } })],
      [
        'GET',
        /^\/repos\/acme\/app\/git\/ref\/heads\/warden\/t1$/,
        () =>
          existingBranch
            ? { status: 200, body: { object: { sha: existingBranch } } }
            : { status: 404, body: { message: 'Not Found' } },
      ],
      ['POST', /^\/repos\/acme\/app\/git\/refs$/, () => ({ status: 201, body: {} })],
      ['PATCH', /^\/repos\/acme\/app\/git\/refs\/heads\/warden\/t1$/, () => ({ status: 200, body: {} })],
    ]);
    forge = testGitHubForge(server, privateKey);
  });
  afterEach(async () => {
    await server.close();
    rmSync(repo, { recursive: true, force: true });
  });

  const bodyOf = (method: string, suffix: string) =>
    server.requests.find(
      (request) => request.method === method && decodeURIComponent(request.path).endsWith(suffix),
    )?.body;

  it('sends exactly the commit: every changed byte, modes, deletions, message and author, then creates the branch', async () => {
    const result = await forge.pushBranch({ sourceDir: repo, commit: change, branch: 'warden/t1' });
    expect(result).toEqual({ branch: 'warden/t1', commit: GITHUB_COMMIT, previous: null });

    const tree = bodyOf('POST', '/git/trees') as { base_tree: string; tree: unknown[] };
    expect(tree.base_tree).toBe('base-tree');
    // The blob ids GitHub computed from what was sent equal git's own: the bytes went across intact.
    expect(tree.tree).toEqual(
      expect.arrayContaining([
        { path: 'README.md', mode: '100644', type: 'blob', sha: git('rev-parse', `${change}:README.md`) },
        { path: 'logo.bin', mode: '100644', type: 'blob', sha: git('rev-parse', `${change}:logo.bin`) },
        { path: 'run.sh', mode: '100755', type: 'blob', sha: git('rev-parse', `${change}:run.sh`) },
        { path: 'old.txt', mode: '100644', type: 'blob', sha: null },
      ]),
    );
    expect(tree.tree).toHaveLength(4);
    expect(bodyOf('POST', '/git/commits')).toMatchObject({
      message: 'warden: fix\n\nWarden-Task: t1\n',
      tree: 'new-tree',
      parents: [base],
      author: { name: 'Ada', email: 'ada@example.com' },
    });
    expect(bodyOf('POST', '/git/refs')).toEqual({ ref: 'refs/heads/warden/t1', sha: GITHUB_COMMIT });
    // Writes with a contents token; the protected branches are read with a metadata one, nothing more.
    const tokenRequests = server.requests.filter((request) => request.path.startsWith('/app/'));
    expect(tokenRequests.map((request) => request.body)).toContainEqual({
      repositories: ['app'],
      permissions: { contents: 'write' },
    });
    for (const request of tokenRequests) {
      expect([{ contents: 'write' }, { metadata: 'read' }]).toContainEqual(
        (request.body as { permissions: unknown }).permissions,
      );
      expect(request.body).toMatchObject({ repositories: ['app'] });
    }
  });

  it('fast-forwards an existing branch without force', async () => {
    existingBranch = base;
    const result = await forge.pushBranch({ sourceDir: repo, commit: change, branch: 'warden/t1' });
    expect(result.previous).toBe(base);
    expect(bodyOf('PATCH', '/git/refs/heads/warden/t1')).toEqual({ sha: GITHUB_COMMIT, force: false });
    expect(bodyOf('POST', '/git/refs')).toBeUndefined();
  });

  it('refuses when GitHub lacks the commit the task started from, saying what to do', async () => {
    git('commit', '--quiet', '--allow-empty', '-m', 'local only');
    const unpushed = git('rev-parse', 'HEAD');
    git('commit', '--quiet', '--allow-empty', '-m', 'on top');
    const error = await forge
      .pushBranch({ sourceDir: repo, commit: git('rev-parse', 'HEAD'), branch: 'warden/t1' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'action-invalid',
      message: expect.stringContaining(unpushed),
      hint: expect.stringMatching(/push your branch/),
    });
    expect(server.requests.some((request) => request.path.endsWith('/git/blobs'))).toBe(false);
  });
});
