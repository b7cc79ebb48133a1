import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../spec/errors.ts';

/**
 * Creates `directory` and its missing parents (mode 0700), one level at a time, or says why it cannot:
 * the nearest existing ancestor must be a directory that can be written. Node's recursive `mkdir` spins
 * forever under `/proc`; this walks a bounded number of levels and fails with a clear error instead.
 *
 * @throws UserError `data-dir-invalid` naming the directory and the reason.
 */
export function ensureDirectory(directory: string): void {
  const absolute = path.resolve(directory);
  const missing: string[] = [];
  let current = absolute;
  for (;;) {
    const info = statOrUndefined(current);
    if (info) {
      if (!info.isDirectory()) throw invalid(absolute, `${current} exists and is not a directory`);
      break;
    }
    missing.unshift(current);
    const parent = path.dirname(current);
    if (parent === current) throw invalid(absolute, 'no part of it exists');
    current = parent;
  }
  for (const level of missing) {
    try {
      mkdirSync(level, { mode: 0o700 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statOrUndefined(level)?.isDirectory()) continue;
      throw invalid(absolute, `${level} cannot be created (${code ?? (error as Error).message})`, error);
    }
  }
}

function statOrUndefined(file: string) {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function invalid(directory: string, why: string, cause?: unknown): UserError {
  return new UserError('data-dir-invalid', `cannot use ${directory} as Warden's data directory: ${why}`, {
    hint: 'pass --data-dir (or set WARDEN_HOME to) a directory you can write, such as ~/.warden',
    cause,
  });
}
