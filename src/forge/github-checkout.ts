import { mkdir, realpath } from 'node:fs/promises';
import { runGit } from '../sandbox/index.ts';
import { SystemError } from '../spec/errors.ts';

/** Where a GitHub App clones from, for `forge.github`: its `gitUrl`, else derived from its `apiUrl`. */
export function gitUrlOf(github: { apiUrl: string; gitUrl?: string | undefined }): string {
  if (github.gitUrl) return github.gitUrl.replace(/\/+$/, '');
  const api = new URL(github.apiUrl);
  if (api.hostname === 'api.github.com') return 'https://github.com';
  // GitHub Enterprise serves its API under /api/v3 and its repositories at the root.
  return `${api.origin}${api.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/+$/, '')}`;
}

/**
 * Fetches `ref` (a commit id, `refs/pull/N/head`, or `HEAD`: the default branch) of a GitHub repository
 * into `dir`, Warden's own checkout of it, as `into`, with an installation token sent as a header to
 * that host only (never in a URL, a file or the command line); git is hardened as everywhere else and
 * may reach this one host over its scheme only. A checkout made here for the first time is checked out
 * at what was fetched, so it has a commit; later fetches never move its HEAD (tasks start from `into`).
 * Returns the commit fetched.
 *
 * @throws SystemError `git-failed` when the fetch fails (the token is not in the message).
 */
export async function fetchGitHubCheckout(settings: {
  dir: string;
  gitUrl: string;
  repository: string;
  token: string;
  ref: string;
  into: string;
}): Promise<string> {
  const { dir } = settings;
  await mkdir(dir, { recursive: true });
  const git = (args: string[], network = false) =>
    runGit(args, {
      cwd: dir,
      ...(network
        ? {
            network: {
              url: settings.gitUrl,
              authorization: `Basic ${Buffer.from(`x-access-token:${settings.token}`).toString('base64')}`,
            },
          }
        : {}),
    });
  // A directory inside some other repository (a data directory under a git home) is not a checkout.
  const top = await git(['rev-parse', '--show-toplevel']).then(
    (result) => result.stdout.trim(),
    () => '',
  );
  if (top !== (await realpath(dir))) await git(['init', '--quiet']);
  const url = `${settings.gitUrl}/${settings.repository}.git`;
  await git(
    ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', url, `+${settings.ref}:${settings.into}`],
    true,
  );
  const commit = (await git(['rev-parse', '--verify', `${settings.into}^{commit}`])).stdout.trim();
  const born = await git(['rev-parse', '--verify', '--quiet', 'HEAD']).then(
    () => true,
    () => false,
  );
  if (!born) await git(['checkout', '--quiet', '--detach', commit]);
  if (!/^[0-9a-f]{40,64}$/.test(commit)) {
    throw new SystemError('git-failed', `fetching ${settings.ref} of ${settings.repository} gave no commit`);
  }
  return commit;
}

/** Deletes a ref a task fetched into Warden's checkout, once the task has its workspace and has ended. */
export async function dropFetchedRef(dir: string, ref: string): Promise<void> {
  await runGit(['update-ref', '-d', ref], { cwd: dir });
}
