import { realpath } from 'node:fs/promises';
import { UserError } from '../spec/errors.ts';
import { createGlobSelector } from './internal/glob-selector.ts';
import { findRipgrep, hostRipgrep, hostSearchableFiles } from './internal/host-search-sources.ts';
import { type SearchableFiles, searchWithJavaScript } from './internal/javascript-engine.ts';
import { parseRipgrepOutput, type RipgrepRunner, ripgrepArguments } from './internal/ripgrep-engine.ts';
import { compileSearchPattern } from './internal/search-pattern.ts';
import { type FileHits, type TextMatch, toMatches } from './internal/search-results.ts';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES } from './workspace-walk.ts';

export type { SearchableFiles } from './internal/javascript-engine.ts';
export type { RipgrepOutput, RipgrepRunner } from './internal/ripgrep-engine.ts';
export type { TextMatch } from './internal/search-results.ts';

export interface TextSearchOptions {
  pattern: string;
  /** A regular expression in ripgrep's dialect (no look-around, no back-references); default: a literal. */
  regex?: boolean;
  /** Default true. */
  caseSensitive?: boolean;
  /** ripgrep's `--glob` rules: `*.ts`, `src/**`, `!*.test.ts`; a matching glob overrides `.gitignore`. */
  globs?: readonly string[];
  /** A directory (or file) relative to the root to search instead of all of it. */
  under?: string;
  /** Lines shown before and after each match; default 0, at most 10. */
  contextLines?: number;
  /** 1-based; default 1. */
  page?: number;
  /** Matches per page; default 50, at most 500. */
  pageSize?: number;
  /** Most matches collected over all pages; default 1000, at most 10,000. */
  maxMatches?: number;
  /** Larger files are not searched; default 1 MB. */
  maxFileBytes?: number;
  /** Most files the JavaScript fallback lists; default 200,000. */
  maxFiles?: number;
  /** The search's time budget; default 10 s. Past it the matches found so far come back `truncated`. */
  timeoutMs?: number;
  /** Forces an engine (tests and benchmarks); default ripgrep when there is one. */
  engine?: 'ripgrep' | 'javascript';
}

export interface TextSearchResult {
  /** The requested page, in path order then line order. */
  matches: TextMatch[];
  /** Matches collected over all pages (at most `maxMatches`). */
  total: number;
  /** True when there were more matches than `maxMatches`, or a limit (time, files) stopped the search. */
  truncated: boolean;
  /** The next page's number; undefined on the last page. */
  nextPage?: number;
  engine: 'ripgrep' | 'javascript';
}

/** Where a search runs: ripgrep when there is one (undefined: none), and the files the fallback reads. */
export interface TextSearchSources {
  ripgrep?: RipgrepRunner;
  files: SearchableFiles;
}

/**
 * Searches the text files under `root` (as `listWorkspaceFiles` sees them) for a literal or a regular
 * expression, with ripgrep when `rg` is on the PATH and in JavaScript otherwise: the same files, lines
 * and columns either way. Throws a `usage` error for an invalid pattern or option.
 */
export async function searchText(root: string, options: TextSearchOptions): Promise<TextSearchResult> {
  const realRoot = await realpath(root);
  const executable = options.engine === 'javascript' ? undefined : await findRipgrep();
  if (options.engine === 'ripgrep' && executable === undefined) {
    throw new UserError('unsupported', 'ripgrep (rg) is not on the PATH', {
      hint: 'install Debian’s ripgrep package, or leave the engine unset to search in JavaScript',
    });
  }
  const sources: TextSearchSources = {
    ripgrep: executable === undefined ? undefined : hostRipgrep(executable, realRoot),
    files: hostSearchableFiles(realRoot),
  };
  return searchTextWith(sources, options);
}

/** `searchText` over given sources: the agent's tool passes the sandbox's ripgrep and its file view. */
export async function searchTextWith(
  sources: TextSearchSources,
  options: TextSearchOptions,
): Promise<TextSearchResult> {
  const contextLines = bounded('contextLines', options.contextLines ?? 0, 0, 10);
  const page = bounded('page', options.page ?? 1, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = bounded('pageSize', options.pageSize ?? 50, 1, 500);
  const maxMatches = bounded('maxMatches', options.maxMatches ?? 1000, 1, 10_000);
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const pattern = compileSearchPattern(
    options.pattern,
    options.regex ?? false,
    options.caseSensitive ?? true,
  );
  const globs = options.globs ?? [];
  const under = normalizeUnder(options.under);
  const useRipgrep = sources.ripgrep !== undefined && options.engine !== 'javascript';
  let found: { files: FileHits[]; truncated: boolean };
  if (useRipgrep && sources.ripgrep !== undefined) {
    // Per match ripgrep writes the match and its context lines; begin and end frame each file.
    const maxLines = (maxMatches + 1) * (2 * contextLines + 3) + 2;
    const output = await sources.ripgrep(
      ripgrepArguments({ pattern, globs, contextLines, maxFileBytes, under }),
      {
        timeoutMs,
        maxLines,
      },
    );
    found = parseRipgrepOutput(output, maxMatches);
  } else {
    found = await searchWithJavaScript(withinUnder(sources.files, under), {
      pattern,
      select: createGlobSelector(globs),
      contextLines,
      maxFileBytes,
      maxFiles: options.maxFiles ?? DEFAULT_MAX_FILES,
      maxMatches,
      timeoutMs,
    });
  }
  const all = found.files.flatMap((file) => toMatches(file, contextLines));
  const start = (page - 1) * pageSize;
  const matches = all.slice(start, start + pageSize);
  const result: TextSearchResult = {
    matches,
    total: all.length,
    truncated: found.truncated,
    engine: useRipgrep ? 'ripgrep' : 'javascript',
  };
  if (start + pageSize < all.length) result.nextPage = page + 1;
  return result;
}

/** `under` as a clean relative path; undefined for the whole root. Refuses a path that leaves it. */
function normalizeUnder(under: string | undefined): string | undefined {
  if (under === undefined) return undefined;
  const parts = under
    .replace(/^\/workspace(\/|$)/, '')
    .split('/')
    .filter((part) => part !== '' && part !== '.');
  if ((under.startsWith('/') && !under.startsWith('/workspace')) || parts.includes('..')) {
    throw new UserError('path-outside-workspace', `${under} is not inside the searched directory`);
  }
  return parts.length === 0 ? undefined : parts.join('/');
}

function withinUnder(files: SearchableFiles, under: string | undefined): SearchableFiles {
  if (under === undefined) return files;
  return {
    read: (path) => files.read(path),
    async list(options) {
      const listed = await files.list(options);
      return {
        files: listed.files.filter((path) => path === under || path.startsWith(`${under}/`)),
        truncated: listed.truncated,
      };
    },
  };
}

function bounded(name: string, value: number, least: number, most: number): number {
  if (!Number.isInteger(value) || value < least || value > most) {
    throw new UserError('usage', `${name} must be a whole number from ${least} to ${most}, not ${value}`);
  }
  return value;
}
