export type {
  Forge,
  OpenPullRequest,
  PullRequestReview,
  PullRequestUpdate,
  PushRequest,
  PushResult,
} from '../spec/index.ts';
export type { ForgeConfig } from './create-forge.ts';
export { createForge, readGitHubApp } from './create-forge.ts';
export { dropFetchedRef, fetchGitHubCheckout, gitUrlOf } from './github-checkout.ts';
export type { GitHubForgeSettings, GitHubPermissionSet } from './github-forge.ts';
export { GitHubForge } from './github-forge.ts';
export type { LocalForgeSettings } from './local-forge.ts';
export { LocalForge } from './local-forge.ts';
