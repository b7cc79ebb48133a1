import { spawnSync } from 'node:child_process';
import { ENV } from '../spec/env.ts';
import { runSandboxConformance } from '../testing/index.ts';
import { createBubblewrapDriver } from './bubblewrap-driver.ts';

// Bubblewrap is the default driver: it must run everywhere, so in CI a missing bwrap fails the suite.
const installed = spawnSync('bwrap', ['--version']).status === 0;
if (!installed && process.env[ENV.ci] === 'true') {
  throw new Error(
    'bwrap is not on PATH; CI must run the sandbox conformance suite (apt-get install bubblewrap)',
  );
}

await runSandboxConformance({
  name: 'bubblewrap driver conformance',
  createDriver: () => createBubblewrapDriver(),
  skipReason: installed ? undefined : 'bwrap is not installed (apt-get install bubblewrap)',
});
