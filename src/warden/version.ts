import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SystemError } from '../spec/errors.ts';

const PACKAGE_FILE = new URL('../../package.json', import.meta.url);

/**
 * Warden's version, as its package.json names it: what `warden --version` prints.
 *
 * @throws SystemError `install-damaged` when package.json is missing or names no version.
 */
export function wardenVersion(): string {
  try {
    return z.object({ version: z.string().min(1) }).parse(JSON.parse(readFileSync(PACKAGE_FILE, 'utf8')))
      .version;
  } catch (error) {
    throw new SystemError('install-damaged', `cannot read Warden's version from ${PACKAGE_FILE.pathname}`, {
      cause: error,
      hint: 'reinstall Warden: its package.json is missing or damaged',
    });
  }
}
