import { ENV, type Environment } from '../spec/env.ts';
import { UserError } from '../spec/errors.ts';
import type { SandboxDriver } from '../spec/sandbox.ts';
import { createBubblewrapDriver } from './bubblewrap-driver.ts';
import { createDockerDriver } from './docker-driver.ts';
import { createE2bDriver } from './e2b-driver.ts';

/** The sandbox drivers Warden ships, by the name `sandbox.driver` takes. */
export const SANDBOX_DRIVERS = ['bubblewrap', 'docker', 'e2b'] as const;

export type SandboxDriverName = (typeof SANDBOX_DRIVERS)[number];

/**
 * The driver settings of the config's `sandbox` section, as this module reads them (declared here:
 * `config/` imports this module, so it cannot be imported back).
 */
export interface SandboxDriverConfig {
  driver: SandboxDriverName;
  docker: { image: string };
  e2b: { template: string | null };
}

/**
 * The sandbox driver `sandbox.driver` names. Building one does no I/O; whether the driver can run here
 * (bubblewrap installed, a Docker engine reachable) is checked by its `check` before each task.
 *
 * @throws UserError `sandbox-unavailable` for `e2b` without `E2B_API_KEY` in the environment.
 */
export function createSandboxDriver(settings: SandboxDriverConfig, env: Environment): SandboxDriver {
  switch (settings.driver) {
    case 'bubblewrap':
      return createBubblewrapDriver({ hostEnv: env });
    case 'docker':
      return createDockerDriver({ image: settings.docker.image });
    case 'e2b': {
      const apiKey = env[ENV.e2bKey];
      if (!apiKey) {
        throw new UserError('sandbox-unavailable', 'sandbox.driver is e2b but E2B_API_KEY is not set', {
          hint: `export ${ENV.e2bKey} with your E2B API key, or set sandbox.driver to bubblewrap`,
        });
      }
      return createE2bDriver({
        apiKey,
        ...(settings.e2b.template ? { template: settings.e2b.template } : {}),
      });
    }
  }
}
