import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../../../test/support/command-io.ts';
import { main } from '../main.ts';

const home = mkdtempSync(path.join(os.tmpdir(), 'warden-context-cli-'));
const repo = path.join(home, 'repo');
mkdirSync(path.join(repo, 'src'), { recursive: true });
writeFileSync(
  path.join(repo, 'src/config.ts'),
  'export function parseConfig(text: string) {\n  return text;\n}\n',
);
writeFileSync(
  path.join(repo, 'src/main.ts'),
  "import { parseConfig } from './config.ts';\nparseConfig('x');\n",
);

async function run(argv: string[]) {
  return runInProcess(main, [...argv, '--data-dir', home], home);
}

describe('warden context map', () => {
  it('prints the map, statistics to stderr, and caches tags in the data directory', async () => {
    const first = await run([
      'context',
      'map',
      '--repo',
      'repo',
      '--task',
      'fix parseConfig',
      '--tokens',
      '200',
    ]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^src\/config\.ts:\n\s+1│ export function parseConfig\(text: string\) \{\n/);
    expect(first.err).toContain('2 files mapped');
    expect(existsSync(path.join(home, 'cache', 'context'))).toBe(true);
    const second = await run(['context', 'map', '--repo', 'repo', '--json']);
    const map = JSON.parse(second.out);
    expect(map.stats).toMatchObject({ files: 2, parsed: 0, cached: 2 });
    expect(map.tokens).toBeLessThanOrEqual(1024);
  });

  it('refuses a missing --repo, a bad budget and an unknown subcommand', async () => {
    expect((await run(['context', 'map'])).code).toBe(2);
    expect((await run(['context', 'map', '--repo', 'repo', '--tokens', '0'])).code).toBe(2);
    expect((await run(['context', 'map', '--repo', 'nowhere'])).err).toContain('cannot read the repository');
    expect((await run(['context', 'unknown'])).code).toBe(2);
  });
});
