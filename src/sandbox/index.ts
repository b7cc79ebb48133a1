export type { AddedLine } from './added-lines.ts';
export { readAddedLines } from './added-lines.ts';
export type { BubblewrapSettings } from './bubblewrap-driver.ts';
export { createBubblewrapDriver } from './bubblewrap-driver.ts';
export type { ChainConflict, ChainLink, ChainOutcome } from './commit-chain.ts';
export { chainCommits, createChainGitDir, sealChain, setAlternates } from './commit-chain.ts';
export type { SandboxDriverConfig, SandboxDriverName } from './create-sandbox-driver.ts';
export { createSandboxDriver, SANDBOX_DRIVERS } from './create-sandbox-driver.ts';
export type { DiffStat } from './diff-stat.ts';
export { readDiffStat } from './diff-stat.ts';
export type { DockerSettings } from './docker-driver.ts';
export { createDockerDriver } from './docker-driver.ts';
export type { E2bSettings } from './e2b-driver.ts';
export { createE2bDriver } from './e2b-driver.ts';
export type { EgressAllowList, EgressGroupName } from './egress-allow-list.ts';
export { createEgressAllowList, DEFAULT_EGRESS_PORTS, EGRESS_GROUPS } from './egress-allow-list.ts';
export type { EgressConnection, EgressProxy, EgressProxySettings } from './egress-proxy.ts';
export type { EgressResolvedAddress, EgressResolver } from './egress-resolver.ts';
export { resolveWithSystemDns } from './egress-resolver.ts';
export type { EgressSandboxSettings, EgressSandboxSetup } from './egress-sandbox-setup.ts';
export {
  buildEgressSandboxSetup,
  DEFAULT_SANDBOX_PROXY_PORT,
  EGRESS_RELAY_FAILED_EXIT,
  SANDBOX_EGRESS_RELAY,
  SANDBOX_EGRESS_SOCKET,
} from './egress-sandbox-setup.ts';
export type {
  EgressSecret,
  EgressSecretSettings,
  EgressSubstitution,
  EgressUpstream,
  EgressUpstreamRoute,
  SecretPlaceholders,
} from './egress-secrets.ts';
export { createSecretPlaceholders, EGRESS_UPSTREAM_PREFIX } from './egress-secrets.ts';
export type { GitIdentity, GitResult, RunGitOptions } from './git.ts';
export { runGit } from './git.ts';
export { BASE_REF } from './internal/clone-workspace.ts';
export type { ProtectedEntry } from './protected-paths.ts';
export { holdsProtectedPath, isProtectedPath, parseProtectedPaths } from './protected-paths.ts';
export type { ResolvedRepository } from './resolve-repository.ts';
export { resolveRepository } from './resolve-repository.ts';
export type { ResolveOptions } from './safe-path.ts';
export { openNoFollow, resolveInWorkspace } from './safe-path.ts';
export type { EgressConfig } from './sandbox-egress-config.ts';
export { sandboxEgressOf } from './sandbox-egress-config.ts';
export type {
  BranchResult,
  ChangeScreen,
  LandOptions,
  SkippedPath,
  SkipReason,
  Workspace,
  WorkspaceSettings,
} from './workspace.ts';
export { AGENT_IDENTITY, createWorkspace, reopenWorkspace } from './workspace.ts';
