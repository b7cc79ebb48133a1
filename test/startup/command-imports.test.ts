import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultBundleDir } from '../../src/policy/index.ts';
import { makeRepo, runWarden, writeScript } from '../support/cli.ts';

/** Loaded into the child with `--import`; prints the URLs of every module loaded after this marker. */
const RECORDER = fileURLToPath(new URL('../support/record-loaded-modules.mjs', import.meta.url));
const LOADED_MARKER = '--- modules loaded ---';

/** The packages only some commands need, each costing tens to hundreds of milliseconds to load. */
const HEAVY = [
  'ai',
  '@ai-sdk',
  '@octokit',
  'e2b',
  'dockerode',
  '@cedar-policy',
  'web-tree-sitter',
  '@opentelemetry',
  // The PostgreSQL client and the fleet's queue: loaded only for a --db postgres://… store.
  'pg',
  'pg-boss',
];

const dataDir = mkdtempSync(path.join(tmpdir(), 'warden-imports-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs `warden ARGS` and returns the heavy packages it loaded, by name. */
async function heavyPackagesLoadedBy(args: string[]): Promise<string[]> {
  const result = await runWarden(args, {
    // From the source: in the bundle, packages are chunks of it, which the recorder cannot name.
    env: { NODE_OPTIONS: `--import=${RECORDER}`, WARDEN_HOME: dataDir, WARDEN_FROM_SOURCE: '1' },
  });
  expect(result.stderr).toContain(LOADED_MARKER);
  const urls = result.stderr.slice(result.stderr.lastIndexOf(LOADED_MARKER)).split('\n').slice(1);
  const packages = new Set<string>();
  for (const url of urls) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    const name = match?.[1];
    if (name && HEAVY.some((heavy) => name === heavy || name.startsWith(`${heavy}/`))) packages.add(name);
  }
  return [...packages].sort();
}

describe('a command loads only what it uses', () => {
  it('`warden --help` loads none of the model SDKs, Octokit, e2b, dockerode, Cedar or tree-sitter', async () => {
    expect(await heavyPackagesLoadedBy(['--help'])).toEqual([]);
  });

  it('`warden tasks` on an empty data directory loads none of them either', async () => {
    expect(await heavyPackagesLoadedBy(['tasks'])).toEqual([]);
  });

  it('`warden run` with no telemetry configured loads none of the OpenTelemetry SDK', async () => {
    const repo = makeRepo(path.join(dataDir, 'repo'), { 'README.md': '# r\n' });
    const script = writeScript(dataDir, { turns: [{ text: 'nothing to do' }] });
    const loaded = await heavyPackagesLoadedBy([
      'run',
      '--repo',
      repo,
      '--task',
      'look',
      '--model',
      `scripted:${script}`,
      '--no-branch',
    ]);
    // The AI SDK (`ai`) imports the small no-op `@opentelemetry/api` itself; the SDK, the exporters and
    // the protobuf encoder are Warden's, and load only when telemetry is configured.
    expect(loaded).toContain('ai');
    expect(
      loaded.filter((name) => name.startsWith('@opentelemetry/') && name !== '@opentelemetry/api'),
    ).toEqual([]);
  });

  it('sees a heavy package when a command does load one', async () => {
    // The recorder must see what is loaded, or the two tests above would pass whatever was loaded.
    expect(await heavyPackagesLoadedBy(['policy', 'check', defaultBundleDir()])).toContain(
      '@cedar-policy/cedar-wasm',
    );
  });
});
