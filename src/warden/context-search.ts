import { stat } from 'node:fs/promises';
import { findSymbol, type SymbolSearchResult, searchText, type TextSearchResult } from '../context/index.ts';
import { UserError } from '../spec/errors.ts';

export type { SymbolSearchResult, TextSearchResult } from '../context/index.ts';

/** `warden context search`: a text search, or (with `symbol`) a symbol's definitions and uses. */
export interface ContextSearchRequest {
  /** The repository searched; nothing outside it is read and links are not followed. */
  repo: string;
  /** The text or regular expression; required unless `symbol` is given. */
  pattern?: string;
  regex?: boolean;
  globs?: string[];
  contextLines?: number;
  /** 1-based. */
  page?: number;
  /** A name whose definitions and references are listed instead of a text search. */
  symbol?: string;
}

export type ContextSearchReport =
  | { kind: 'text'; result: TextSearchResult }
  | { kind: 'symbol'; symbol: string; result: SymbolSearchResult };

/**
 * Searches a repository for people: ripgrep when it is on the PATH (else the JavaScript engine), or a
 * symbol's definitions and references. @throws UserError `usage` for a missing or invalid pattern,
 * `path-not-found` for a repository that is not a directory.
 */
export async function searchRepository(request: ContextSearchRequest): Promise<ContextSearchReport> {
  const isDirectory = await stat(request.repo).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  if (!isDirectory) throw new UserError('path-not-found', `${request.repo} is not a directory`);
  if (request.symbol !== undefined) {
    if (request.pattern !== undefined) {
      throw new UserError('usage', 'give either a PATTERN or --symbol NAME, not both');
    }
    return {
      kind: 'symbol',
      symbol: request.symbol,
      result: await findSymbol(request.repo, request.symbol, { page: request.page }),
    };
  }
  if (request.pattern === undefined) throw new UserError('usage', 'a PATTERN (or --symbol NAME) is required');
  const result = await searchText(request.repo, {
    pattern: request.pattern,
    regex: request.regex,
    globs: request.globs,
    contextLines: request.contextLines,
    page: request.page,
  });
  return { kind: 'text', result };
}
