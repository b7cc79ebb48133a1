import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The provider breaker across real processes racing on one store file, as concurrent `warden run`s and
 * workers do: no failure is lost between them, and exactly one of them gets the half-open probe.
 */
const GUARD = new URL('./index.ts', import.meta.url).href;
const STORE = new URL('../store/index.ts', import.meta.url).href;
const KEY = 'openai:gpt-5.4-mini';
const PROCESSES = 6;

/** The code each process runs: one `record` of a failed call, or one `check`, at the time given. */
const CHILD = `
import { CircuitBreakers } from ${JSON.stringify(GUARD)};
import { openSqliteStore, SqliteBreakerStore } from ${JSON.stringify(STORE)};
const [file, action, at] = process.argv.slice(1);
const store = openSqliteStore(file);
const breakers = new CircuitBreakers({
  book: new SqliteBreakerStore(store.database),
  settings: { toolErrorWindow: 20, toolErrorRate: 0.5, agentTaskTrips: 3, fleetAgentTrips: 3,
    tripWindowSeconds: 3600, providerFailures: ${PROCESSES}, providerOpenSeconds: 60,
    probeTimeoutSeconds: 300, openSeconds: 3600 },
  clock: () => new Date(at),
});
const outcome = action === 'fail'
  ? ((await breakers.record({ type: 'model-call', modelKey: ${JSON.stringify(KEY)}, failed: true })) ? 'opened' : 'counted')
  : ((await breakers.check([${JSON.stringify(`model:${KEY}`)}])) ? 'refused' : 'probe');
await store.close();
process.stdout.write(outcome);
`;

function child(file: string, action: 'fail' | 'check', at: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(process.execPath, ['--input-type=module', '-e', CHILD, file, action, at], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    process_.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    process_.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    process_.on('error', reject);
    process_.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`child exited ${code}: ${stderr}`)),
    );
  });
}

describe('provider breaker across processes', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'warden-breakers-race-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('counts every concurrent failure once and lets exactly one racing process probe', async () => {
    const file = path.join(work, 'warden.db');
    // Create the schema first so the racers do not all migrate at once.
    expect(await child(file, 'check', '2026-11-02T10:00:00Z')).toBe('probe');

    const failures = await Promise.all(
      Array.from({ length: PROCESSES }, () => child(file, 'fail', '2026-11-02T10:00:00Z')),
    );
    // Six failures, six processes, threshold six: none lost, so exactly one of them opened it.
    expect(failures.filter((outcome) => outcome === 'opened')).toHaveLength(1);
    expect(await child(file, 'check', '2026-11-02T10:00:30Z')).toBe('refused');

    const checks = await Promise.all(
      Array.from({ length: PROCESSES }, () => child(file, 'check', '2026-11-02T10:01:00Z')),
    );
    expect(checks.sort()).toEqual(['probe', ...Array.from({ length: PROCESSES - 1 }, () => 'refused')]);
  }, 120_000);
});
