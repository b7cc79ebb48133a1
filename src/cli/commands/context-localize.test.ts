import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../../../test/support/command-io.ts';
import { contextLocalizeCommand } from './context-localize.ts';

const home = mkdtempSync(path.join(os.tmpdir(), 'warden-localize-cli-'));
const repo = path.join(home, 'repo');
mkdirSync(path.join(repo, 'src'), { recursive: true });
writeFileSync(
  path.join(repo, 'src/days.ts'),
  'export function daysToWeeks(days: number) {\n  return Math.trunc(days / 7);\n}\n',
);
writeFileSync(
  path.join(repo, 'src/format.ts'),
  'export function format(date: Date) {\n  return date.toISOString();\n}\n',
);

async function run(argv: string[]) {
  return runInProcess(contextLocalizeCommand, [...argv, '--data-dir', path.join(home, 'data')], home);
}

describe('warden context localize', () => {
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('prints {files: [{path, score, symbols}]} with --json', async () => {
    const { code, out, err } = await run([
      '--repo',
      'repo',
      '--task',
      '`daysToWeeks(-3)` returns -0 instead of 0',
      '--k',
      '1',
      '--json',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      files: [
        {
          path: 'src/days.ts',
          score: expect.any(Number),
          symbols: [{ name: 'daysToWeeks', kind: 'function', line: 1, endLine: 3 }],
        },
      ],
    });
    expect(err).toMatch(/2 files considered in \d+ ms/);
  });

  it('prints a ranked list for people', async () => {
    const { code, out } = await run(['--repo', 'repo', '--task', 'daysToWeeks returns negative zero']);
    expect(code).toBe(0);
    expect(out).toMatch(/^1\. src\/days\.ts {2}\(\d\.\d{3}\)\n {4}function daysToWeeks {2}lines 1–3\n/);
  });

  it('refuses a missing task or a bad --k', async () => {
    await expect(run(['--repo', 'repo'])).rejects.toThrow(/--task TEXT are required/);
    await expect(run(['--repo', 'repo', '--task', 'x', '--k', '0'])).rejects.toThrow(/k/);
  });
});
