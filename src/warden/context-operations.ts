import path from 'node:path';
import { buildRepoMap, type RepoMap } from '../context/index.ts';
import type { Environment } from '../spec/env.ts';
import { UserError } from '../spec/errors.ts';
import { resolveHome } from './data-dir.ts';

/** `warden context map`: which repository, for what task, in how many tokens. */
export interface RepoMapCommandRequest {
  /** The repository to map; nothing outside it is read. */
  repo: string;
  /** The task's text: identifiers and paths in it personalise the ranking. */
  task?: string;
  /** Files already read or edited (relative to `repo`). */
  filesRead?: string[];
  /** The most tokens the map may take (characters / 4); default 1,024. */
  tokens?: number;
  /** Warden's data directory (`--data-dir`); tags are cached under `<dataDir>/cache/context/`. */
  dataDir?: string;
  env: Environment;
}

export type { RepoMap } from '../context/index.ts';

const DEFAULT_MAP_TOKENS = 1024;

/**
 * A map of `repo` for a model (see `buildRepoMap`), with its tags cached in the data directory so a
 * second map of the same repository parses only the files that changed.
 *
 * @throws UserError `usage` for a token budget that is not a positive integer, `path-not-found` for a
 * repository that cannot be read.
 */
export async function mapRepository(request: RepoMapCommandRequest): Promise<RepoMap> {
  const tokens = request.tokens ?? DEFAULT_MAP_TOKENS;
  if (!Number.isInteger(tokens) || tokens <= 0) {
    throw new UserError('usage', `the token budget must be a positive integer, not ${tokens}`);
  }
  return await buildRepoMap({
    root: request.repo,
    cacheDir: path.join(resolveHome(request.dataDir, request.env), 'cache', 'context'),
    focus: { text: request.task, filesRead: request.filesRead },
    tokenBudget: tokens,
  });
}
