import { readFileSync } from 'node:fs';
import { SystemError } from '../spec/errors.ts';

const PACKAGE_FILE = new URL('../../package.json', import.meta.url);

/**
 * Warden's version, as its package.json names it: what `warden --version` prints.
 *
 * @throws SystemError `install-damaged` when package.json is missing or names no version.
 */
export function wardenVersion(): string {
  try {
    // Checked by hand, not with zod: `warden --version` loads nothing else.
    const { version } = JSON.parse(readFileSync(PACKAGE_FILE, 'utf8')) as { version?: unknown };
    if (typeof version !== 'string' || version === '') throw new Error('package.json names no version');
    return version;
  } catch (error) {
    throw new SystemError('install-damaged', `cannot read Warden's version from ${PACKAGE_FILE.pathname}`, {
      cause: error,
      hint: 'reinstall Warden: its package.json is missing or damaged',
    });
  }
}
