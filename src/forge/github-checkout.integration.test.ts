import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubTestServer, startGitHubTestServer } from '../testing/index.ts';
import { fetchGitHubCheckout, gitUrlOf } from './github-checkout.ts';

const TOKEN = 'ghs_checkoutInstallationToken42';

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

describe("Warden's own checkout of a GitHub repository, fetched over git's smart HTTP", () => {
  const work = mkdtempSync(path.join(tmpdir(), 'warden-checkout-'));
  const root = path.join(work, 'github');
  let server: GitHubTestServer;
  let main = '';
  let feature = '';
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@e.com', ...args], { cwd })
      .toString()
      .trim();

  beforeAll(async () => {
    const source = path.join(work, 'source');
    mkdirSync(source);
    git(source, 'init', '--quiet', '--initial-branch=main');
    writeFileSync(path.join(source, 'README.md'), 'hello\n');
    git(source, 'add', '-A');
    git(source, 'commit', '--quiet', '-m', 'one');
    main = git(source, 'rev-parse', 'HEAD');
    git(source, 'checkout', '--quiet', '-b', 'feature');
    writeFileSync(path.join(source, 'README.md'), 'hello, feature\n');
    git(source, 'commit', '--quiet', '-am', 'two');
    feature = git(source, 'rev-parse', 'HEAD');
    mkdirSync(path.join(root, 'acme'), { recursive: true });
    git(work, 'clone', '--quiet', '--bare', source, path.join(root, 'acme', 'app.git'));
    git(path.join(root, 'acme', 'app.git'), 'symbolic-ref', 'HEAD', 'refs/heads/main');
    server = await startGitHubTestServer([], { git: { root, token: TOKEN } });
  });
  afterAll(async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('clones the default branch, then fetches a commit by id without moving HEAD, keeping no token', async () => {
    const dir = path.join(work, 'checkouts', 'acme', 'app');
    const fetch = (ref: string, into: string, token = TOKEN) =>
      fetchGitHubCheckout({ dir, gitUrl: server.baseUrl, repository: 'acme/app', token, ref, into });
    expect(await fetch('HEAD', 'refs/warden/fetched/t-1')).toBe(main);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('hello\n');
    expect(await fetch(feature, 'refs/warden/fetched/t-2')).toBe(feature);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(main);
    expect(git(dir, 'rev-parse', 'refs/warden/fetched/t-2')).toBe(feature);
    // The token went as a header: nothing of it is written anywhere in the checkout.
    for (const file of filesUnder(dir)) expect(readFileSync(file).includes(TOKEN), file).toBe(false);
    const fetched = server.requests.filter((request) => request.path.includes('/acme/app.git/'));
    expect(fetched.length).toBeGreaterThan(0);
    for (const request of fetched) {
      expect(request.authorization).toBe(
        `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`,
      );
    }

    const refused = await fetch('HEAD', 'refs/warden/fetched/t-3', 'ghs_wrong').catch(
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ code: 'git-failed' });
    expect(String((refused as Error).message)).not.toContain('ghs_wrong');
  });

  it('clones from github.com, a GitHub Enterprise host, or the gitUrl given', () => {
    expect(gitUrlOf({ apiUrl: 'https://api.github.com' })).toBe('https://github.com');
    expect(gitUrlOf({ apiUrl: 'https://ghe.example.com/api/v3' })).toBe('https://ghe.example.com');
    expect(gitUrlOf({ apiUrl: 'https://api.github.com', gitUrl: 'https://git.example.com/' })).toBe(
      'https://git.example.com',
    );
  });
});
