import { realpath } from 'node:fs/promises';
import { UserError } from '../spec/errors.ts';
import { extractTags } from './extract-tags.ts';
import { hostSearchableFiles } from './internal/host-search-sources.ts';
import type { SearchableFiles } from './internal/javascript-engine.ts';
import { comparePathSegments, MAX_LINE_CHARS } from './internal/search-results.ts';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES } from './workspace-walk.ts';

export interface SymbolSearchOptions {
  /** 1-based; default 1. */
  page?: number;
  /** Locations per page; default 50, at most 500. */
  pageSize?: number;
  /** Most locations collected over all pages; default 1000. */
  maxMatches?: number;
  /** Most files looked at; default 200,000. */
  maxFiles?: number;
  /** Larger files are skipped; default 1 MB. */
  maxFileBytes?: number;
}

/** Where a name is defined or used. */
export interface SymbolLocation {
  path: string;
  /** 1-based. */
  line: number;
  role: 'definition' | 'reference';
  /** For a definition: `function`, `class`, `method`… as the tags query names it. */
  kind?: string;
  /** For a definition: its last line. */
  endLine?: number;
  /** The line's text, trimmed and cut. */
  text: string;
}

export interface SymbolSearchResult {
  /** The requested page: every definition (in path order), then every reference. */
  locations: SymbolLocation[];
  /** Locations collected over all pages. */
  total: number;
  definitions: number;
  /** True when `maxMatches` or `maxFiles` cut the search short. */
  truncated: boolean;
  /** Undefined on the last page. */
  nextPage?: number;
}

/**
 * Definitions and references of `name` (an identifier, matched exactly) across the text files under
 * `root`, from each file's syntax tree where its language has a grammar and from its text otherwise
 * (see `extractTags`). Only files whose text contains the name are parsed. Throws a `usage` error for
 * a name that is not an identifier.
 */
export async function findSymbol(
  root: string,
  name: string,
  options: SymbolSearchOptions = {},
): Promise<SymbolSearchResult> {
  return findSymbolWith(hostSearchableFiles(await realpath(root)), name, options);
}

/** `findSymbol` over given files: the agent's tool passes its workspace view. */
export async function findSymbolWith(
  files: SearchableFiles,
  name: string,
  options: SymbolSearchOptions = {},
): Promise<SymbolSearchResult> {
  if (!/^[\p{L}\p{Nl}$_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}$]*$/u.test(name) || name.length > 200) {
    throw new UserError('usage', `${JSON.stringify(name)} is not an identifier`);
  }
  const page = options.page ?? 1;
  const pageSize = Math.min(options.pageSize ?? 50, 500);
  const maxMatches = options.maxMatches ?? 1000;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const listed = await files.list({ maxFiles: options.maxFiles ?? DEFAULT_MAX_FILES, maxFileBytes });
  const definitions: SymbolLocation[] = [];
  const references: SymbolLocation[] = [];
  let truncated = listed.truncated;
  for (const path of [...listed.files].sort(comparePathSegments)) {
    if (definitions.length + references.length >= maxMatches) {
      truncated = true;
      break;
    }
    const bytes = await files.read(path);
    if (bytes === undefined || bytes.length > maxFileBytes) continue;
    const text = bytes.toString('utf8');
    if (!text.includes(name)) continue;
    const tags = await extractTags(path, text);
    const lines = text.split('\n');
    const lineText = (line: number) => cut((lines[line - 1] ?? '').trim());
    for (const definition of tags.definitions) {
      if (definition.name !== name) continue;
      definitions.push({
        path,
        line: definition.line,
        role: 'definition',
        kind: definition.kind,
        endLine: definition.endLine,
        text: lineText(definition.line),
      });
    }
    for (const reference of tags.references) {
      if (reference.name !== name) continue;
      references.push({ path, line: reference.line, role: 'reference', text: lineText(reference.line) });
    }
  }
  const all = [...definitions, ...references].slice(0, maxMatches);
  if (definitions.length + references.length > maxMatches) truncated = true;
  const start = (page - 1) * pageSize;
  const result: SymbolSearchResult = {
    locations: all.slice(start, start + pageSize),
    total: all.length,
    definitions: Math.min(definitions.length, all.length),
    truncated,
  };
  if (start + pageSize < all.length) result.nextPage = page + 1;
  return result;
}

function cut(text: string): string {
  return text.length <= MAX_LINE_CHARS ? text : `${text.slice(0, MAX_LINE_CHARS)}…`;
}
