import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../../../test/support/command-io.ts';
import { main } from '../main.ts';

const home = mkdtempSync(path.join(os.tmpdir(), 'warden-db-cli-'));

async function run(argv: string[]) {
  return runInProcess(main, [...argv, '--data-dir', home], home);
}

/** The mistakes refused before any database is opened (no PostgreSQL needed). */
describe('warden db: usage errors', () => {
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it.each([
    [['db'], /which action\? \(copy\)/],
    [['db', 'move'], /unknown action "move"/],
    [['db', 'copy'], /--to is required/],
    [
      ['db', 'copy', '--to', 'postgres://a@h/d', '--db', 'postgres://a@h/d'],
      /takes --from and --to, not --db/,
    ],
    [['db', 'copy', '--to', 'mysql://ada:hunter2@h/d'], /--to: mysql: is not a PostgreSQL URL/],
    [
      ['db', 'copy', '--to', 'postgres://a@h/d', '--from', 'postgres://ada:hunter2@h/d'],
      /--from: postgres: is not a SQLite store/,
    ],
    [['db', 'copy', '--to', 'postgres://ada:hunter2@h/d'], /there is no SQLite store at .*warden\.db/],
  ])('warden %j exits 2, saying what is wrong', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.err).toMatch(/usage: warden db copy/);
    expect(result.err).not.toContain('hunter2');
    expect(result.out).toBe('');
    expect(existsSync(path.join(home, 'warden.db'))).toBe(false);
  });

  it('prints its help', async () => {
    const result = await run(['db', '--help']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^warden db copy --to postgres:/);
  });
});
