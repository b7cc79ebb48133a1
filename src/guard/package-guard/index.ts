export type { InstallJudge } from './guarded-decider.ts';
export { judgeInstalls, withPackageGuard, withVerdicts } from './guarded-decider.ts';
export type {
  GuardWorkspace,
  PackageCheck,
  PackageGuard,
  PackageGuardSettings,
  PackageVerdict,
} from './package-guard.ts';
export { createPackageGuard } from './package-guard.ts';
export type { InstallCommand, PackageEcosystem, PackageSpec } from './parse-installs.ts';
export { parseInstalls } from './parse-installs.ts';
export type { PopularNames } from './popular-names.ts';
export { loadPopularNames } from './popular-names.ts';
export type {
  PackageRecord,
  RegistryClient,
  RegistryClientSettings,
  RegistryUrls,
  VersionRecord,
} from './registry-client.ts';
export { createRegistryClient, PUBLIC_REGISTRIES } from './registry-client.ts';
