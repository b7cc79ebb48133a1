import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../spec/errors.ts';
import { languageOf } from './grammars.ts';
import { focusTerms } from './internal/focus.ts';
import { rankTags, type TaggedFile } from './internal/rank-tags.ts';
import { readInside } from './internal/read-inside.ts';
import { renderMap } from './internal/render-map.ts';
import { createTagCache } from './tag-cache.ts';
import { walkWorkspace } from './workspace-walk.ts';

/** What the task points at: every field optional, all of them personalise the ranking. */
export interface RepoMapFocus {
  /** The task's own words: identifiers and file paths in it are picked out. */
  text?: string;
  /** Files the task is about (relative to the root). */
  paths?: string[];
  /** Identifiers the task is about. */
  identifiers?: string[];
  /** Files already read or edited (relative to the root). */
  filesRead?: string[];
}

export interface RepoMapRequest {
  /** The repository (workspace) to map; nothing outside it is ever read. */
  root: string;
  /** Files to map (relative, `/`-separated); `undefined`: every source file the workspace walk lists. */
  files?: string[];
  /** Where tags are cached by content (e.g. `<dataDir>/cache/context/`); `undefined`: no cache. */
  cacheDir?: string;
  focus?: RepoMapFocus;
  /** The most tokens the rendered map may take (estimated as characters / 4). */
  tokenBudget: number;
  /** Files walked at most (default 100,000). */
  maxFiles?: number;
  /** Larger files are left out (default 1 MB). */
  maxFileBytes?: number;
}

/** A definition in the map, with its rank (its share of the repository's importance). */
export interface RepoMapDefinition {
  path: string;
  name: string;
  kind: string;
  line: number;
  endLine: number;
  signature: string;
  rank: number;
}

/** How the map was made: files mapped, and how each one's tags were found. */
export interface RepoMapStats {
  files: number;
  /** Files parsed or tagged now (cache misses). */
  parsed: number;
  /** Files whose tags came from the cache. */
  cached: number;
  /** Files tagged from their text (no grammar, minified, too large for a parse). */
  textFallback: number;
  /** Files with no tags: unreadable, binary, a link, outside the root. */
  skipped: number;
  /** The walk stopped at `maxFiles`: part of the repository is not in the map. */
  truncated: boolean;
}

export interface RepoMap {
  /** Every mapped file, highest rank first (ranks sum to 1). */
  files: Array<{ path: string; rank: number }>;
  /** The definitions `text` shows, highest rank first. */
  definitions: RepoMapDefinition[];
  /** The map: each file's path, then its top definitions' lines; at most `tokenBudget` tokens. */
  text: string;
  /** Estimated tokens of `text` (characters / 4, rounded up). */
  tokens: number;
  stats: RepoMapStats;
}

/** Languages without a grammar that are still worth a map, tagged from their text. */
const TEXT_SOURCES = new Set(
  'c h cc cpp cxx hpp hh cs kt kts swift php rb scala lua sh bash pl pm r m mm ex exs erl hs ml clj dart vue svelte zig nim groovy fs'
    .split(' ')
    .map((extension) => `.${extension}`),
);
const DEFAULT_MAX_FILES = 100_000;
const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
/** Files read and tagged at once: overlaps I/O without holding many files in memory. */
const PARALLEL_FILES = 8;

/**
 * A map of a repository for a model: Aider's approach (see `rankTags`) on tree-sitter tags. Lists the
 * workspace's source files (or takes `files`), tags each (cached by content under `cacheDir`, so a
 * re-map parses only changed files), ranks files and definitions by PageRank personalised by `focus`,
 * and renders the best definitions that fit `tokenBudget`.
 *
 * Reads nothing outside `root`: a file reached through a symbolic link is not read.
 *
 * @throws UserError `path-not-found` when `root` cannot be read.
 */
export async function buildRepoMap(request: RepoMapRequest): Promise<RepoMap> {
  const maxFileBytes = request.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const realRoot = await realpath(request.root).catch((error: unknown) => {
    throw new UserError('path-not-found', `cannot read the repository ${request.root}`, { cause: error });
  });
  let truncated = false;
  let candidates: string[];
  if (request.files !== undefined) {
    candidates = [...new Set(request.files.map((file) => file.replaceAll('\\', '/').replace(/^\.\//, '')))];
  } else {
    const walk = await walkWorkspace(realRoot, {
      maxFiles: request.maxFiles ?? DEFAULT_MAX_FILES,
      maxFileBytes,
    });
    truncated = walk.truncated;
    candidates = walk.files
      .map((file) => file.path)
      .filter((file) => languageOf(file) !== undefined || TEXT_SOURCES.has(path.extname(file).toLowerCase()));
  }

  const cache = createTagCache({ dir: request.cacheDir });
  const stats: RepoMapStats = { files: 0, parsed: 0, cached: 0, textFallback: 0, skipped: 0, truncated };
  const tagged: Array<TaggedFile | undefined> = new Array(candidates.length);
  let next = 0;
  const worker = async () => {
    while (next < candidates.length) {
      const index = next++;
      const file = candidates[index] as string;
      const content = await readInside(realRoot, file, maxFileBytes);
      if (content === undefined) {
        stats.skipped++;
        continue;
      }
      const { tags, cached } = await cache.tags(file, content);
      if (cached) stats.cached++;
      else stats.parsed++;
      if (tags.via === 'skipped') {
        stats.skipped++;
        continue;
      }
      if (tags.via === 'text') stats.textFallback++;
      const references = new Map<string, number>();
      for (const reference of tags.references) {
        references.set(reference.name, (references.get(reference.name) ?? 0) + 1);
      }
      tagged[index] = { path: file, definitions: tags.definitions, references };
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_FILES }, worker));

  const files = tagged.filter((file): file is TaggedFile => file !== undefined);
  stats.files = files.length;
  const focus = focusTerms(
    files.map((file) => file.path),
    request.focus ?? {},
  );
  const ranking = rankTags(files, focus);
  const rankedFiles = files
    .map((file, index) => ({ path: file.path, rank: ranking.fileRanks[index] as number }))
    .sort((left, right) => right.rank - left.rank || (left.path < right.path ? -1 : 1));
  const rendered = renderMap(
    ranking.definitions,
    rankedFiles.map((file) => file.path),
    request.tokenBudget,
  );
  return {
    files: rankedFiles,
    definitions: rendered.definitions.map(({ path: file, name, kind, line, endLine, signature, rank }) => ({
      path: file,
      name,
      kind,
      line,
      endLine,
      signature,
      rank,
    })),
    text: rendered.text,
    tokens: rendered.tokens,
    stats,
  };
}
