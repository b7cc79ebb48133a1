// Warden's testing entry: conformance suites that every driver of a family must pass, and local servers
// that speak a vendor's wire format on 127.0.0.1. Tests import it; production code never does.

export type { BreakerStoreConformanceOptions, BreakerStoreUnderTest } from './breaker-store-conformance.ts';
export { runBreakerStoreConformance } from './breaker-store-conformance.ts';
export type { ProxyReply } from './egress-test-client.ts';
export { getThroughTunnel, requestThroughProxy } from './egress-test-client.ts';
export type { ForgeConformanceOptions, ForgeFixture, ForgeUnderTest } from './forge-conformance.ts';
export { runForgeConformance } from './forge-conformance.ts';
export type { GitHubRepositorySettings } from './github-repository-routes.ts';
export { gitHubRepositoryRoutes } from './github-repository-routes.ts';
export type { GitHubTestServer, RecordedRequest, Reply, Route } from './github-test-server.ts';
export {
  baseCommitRoute,
  installationTokenRoute,
  startGitHubTestServer,
  testAppPrivateKey,
  testGitHubForge,
} from './github-test-server.ts';
export type {
  FixturePackage,
  FixtureVersion,
  PackageRegistryFixtures,
  PackageRegistryServer,
} from './package-registry-server.ts';
export { packageRegistryFixtures, startPackageRegistry } from './package-registry-server.ts';
export type { PostgresCluster } from './postgres-cluster.ts';
export { findPostgresBin, startPostgresCluster } from './postgres-cluster.ts';
export type { TestDatabase } from './postgres-test-database.ts';
export { createTestDatabase, postgresForTests } from './postgres-test-database.ts';
export type { SandboxConformanceOptions } from './sandbox-conformance.ts';
export { runSandboxConformance } from './sandbox-conformance.ts';
export type { SpendStoreConformanceOptions, SpendStoreUnderTest } from './spend-store-conformance.ts';
export { runSpendStoreConformance, spendEntryOf } from './spend-store-conformance.ts';
export { createStaticEgressResolver } from './static-egress-resolver.ts';
export type { StoreConformanceOptions, StoreUnderTest } from './store-conformance.ts';
export { eventOf, newTask, runStoreConformance } from './store-conformance.ts';
