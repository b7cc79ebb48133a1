import { readFileSync } from 'node:fs';
import type { Config } from '../config/index.ts';
import type { PullRequestStore } from '../spec/actions.ts';
import { UserError } from '../spec/errors.ts';
import type { Forge } from '../spec/forge.ts';
import { GitHubForge, type GitHubPermissionSet } from './github-forge.ts';
import { LocalForge } from './local-forge.ts';

/** The `forge` section of the config. */
export type ForgeConfig = Config['forge'];

/**
 * The forge `forge.kind` names: a GitHub App installation, or a bare repository standing in for one;
 * `null` for `none`. Builds no connection.
 */
export function createForge(
  config: ForgeConfig,
  settings: {
    /** Where the local forge records its pull requests. */
    pullRequests: PullRequestStore;
    /** Mints a GitHub installation token for `config.github.repo` with these permissions. */
    githubToken: (permissions: GitHubPermissionSet) => Promise<string>;
  },
): Forge | null {
  if (config.kind === 'none') return null;
  if (config.kind === 'github' && config.github) {
    const { owner, repo, apiUrl } = config.github;
    return new GitHubForge({ owner, name: repo, baseUrl: apiUrl, token: settings.githubToken });
  }
  // The config schema guarantees `remote` for kind `local`.
  return new LocalForge({
    bareRepository: config.remote!,
    pullRequests: settings.pullRequests,
    protectedBranches: config.protectedBranches,
  });
}

/**
 * The GitHub App of `forge.github` with its private key read, for the credential broker; `undefined`
 * without one.
 *
 * @throws UserError `config-invalid` when the private key file cannot be read.
 */
export function readGitHubApp(github: ForgeConfig['github']) {
  if (!github) return undefined;
  let privateKey: string;
  try {
    privateKey = readFileSync(github.privateKeyFile, 'utf8');
  } catch (error) {
    throw new UserError(
      'config-invalid',
      `forge.github.privateKeyFile: cannot read ${github.privateKeyFile}: ${(error as Error).message}`,
    );
  }
  return { appId: github.appId, privateKey, installationId: github.installationId, baseUrl: github.apiUrl };
}
