import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SOURCE = fileURLToPath(new URL('../../src/', import.meta.url));

/** The files under `src/` whose text has an import that matches `pattern`, relative to src/. */
function importing(pattern: RegExp, filter: (file: string) => boolean): string[] {
  return (readdirSync(SOURCE, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts') && filter(file))
    .filter((file) =>
      readFileSync(path.join(SOURCE, file), 'utf8')
        .split('\n')
        .some((line) => /^\s*(import|export)\b.*\bfrom\s/.test(line) && pattern.test(line)),
    )
    .sort();
}

const production = (file: string) => !file.endsWith('.test.ts') && !file.startsWith('testing/');

describe('drivers plug into interfaces, tests into the testing entry', () => {
  it('no production file imports the testing entry', () => {
    expect(importing(/testing\//, production)).toEqual([]);
  });

  it('guard/ depends on the spend and breaker store interfaces, not on the store module', () => {
    expect(importing(/store\/|Sqlite/, (file) => file.startsWith('guard/') && production(file))).toEqual([]);
  });

  it('spec/ imports no other Warden module', () => {
    expect(importing(/from '\.\.\//, (file) => file.startsWith('spec/'))).toEqual([]);
  });
});
