import path from 'node:path';
import { type Localization, localize } from '../context/index.ts';
import type { Environment } from '../spec/env.ts';
import { UserError } from '../spec/errors.ts';
import { resolveHome } from './data-dir.ts';

/** `warden context localize`: which repository, for what task, how many files. */
export interface LocalizeCommandRequest {
  /** The repository to search; nothing outside it is read. */
  repo: string;
  /** The task's text, e.g. a bug report. */
  task: string;
  /** Files returned; default 10. */
  k?: number;
  /** Warden's data directory (`--data-dir`); the index and tags are cached under `<dataDir>/cache/context/`. */
  dataDir?: string;
  env: Environment;
}

export type { Localization, LocalizedFile, LocalizedSymbol } from '../context/index.ts';

/**
 * The files of `repo` a task is probably about, best first, each with its best-matching definitions and
 * their line ranges (see `localize`). The term index and tags are cached in the data directory, so a
 * second call on an unchanged repository reads no file.
 *
 * @throws UserError `usage` for an empty task or a `k` that is not a positive integer, `path-not-found`
 * for a repository that cannot be read.
 */
export async function localizeRepository(request: LocalizeCommandRequest): Promise<Localization> {
  const k = request.k ?? 10;
  if (!Number.isInteger(k) || k <= 0 || k > 1000) {
    throw new UserError('usage', `--k must be an integer from 1 to 1000, not ${k}`);
  }
  if (request.task.trim() === '') throw new UserError('usage', 'the task is empty: say what to look for');
  return await localize({
    root: request.repo,
    task: request.task,
    k,
    cacheDir: path.join(resolveHome(request.dataDir, request.env), 'cache', 'context'),
  });
}
