import { ENV } from '../spec/env.ts';
import { runSandboxConformance } from '../testing/index.ts';
import { createE2bDriver } from './e2b-driver.ts';

// E2B is an optional hosted driver that needs an API key and the internet, so this suite may skip even
// in CI (unlike bubblewrap's): it says so, and runs whenever E2B_API_KEY is set.
const apiKey = process.env[ENV.e2bKey];
await runSandboxConformance({
  name: 'e2b driver conformance',
  createDriver: () => createE2bDriver({ apiKey: apiKey ?? '' }),
  skipReason: apiKey ? undefined : 'E2B_API_KEY is not set (optional hosted driver)',
  timeoutMs: 120_000,
});
