import type { Config } from '../config/index.ts';
import {
  createPackageGuard,
  createRegistryClient,
  loadPopularNames,
  type PackageGuard,
} from '../guard/package-guard/index.ts';

/**
 * The package guard of one task (its lookups are cached for the task), from `packages` and the agent's
 * `installScripts`; undefined when `packages.guard` is off.
 */
export function packageGuardOf(config: Config): PackageGuard | undefined {
  const { packages } = config;
  if (!packages.guard) return undefined;
  return createPackageGuard({
    registry: createRegistryClient({ registries: packages.registries, timeoutMs: packages.timeoutMs }),
    popular: loadPopularNames(),
    minAgeDays: packages.minAgeDays,
    allowScripts: config.agent.installScripts,
    failOpen: packages.failOpen,
    allow: packages.allow,
  });
}
