import { ENV } from '../spec/env.ts';
import { runSandboxConformance } from '../testing/index.ts';
import { createDockerDriver } from './docker-driver.ts';

// Docker is an optional driver that needs an engine this machine may not have, so this suite may skip
// even in CI (unlike bubblewrap's): it says so, and runs whenever DOCKER_HOST names an engine.
await runSandboxConformance({
  name: 'docker driver conformance',
  createDriver: () => createDockerDriver(),
  skipReason: process.env[ENV.dockerHost]
    ? undefined
    : 'DOCKER_HOST is not set (optional driver; no engine here)',
  timeoutMs: 120_000,
});
