import { realpath } from 'node:fs/promises';
import { type Bm25Field, Bm25Index, pathTokens, tokenize } from './bm25.ts';
import { extractTags } from './extract-tags.ts';
import { hostSearchableFiles } from './internal/host-search-sources.ts';
import type { SearchableFiles } from './internal/javascript-engine.ts';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILES } from './workspace-walk.ts';

export interface FirstLookOptions {
  /** Files returned; default 10. */
  k?: number;
  /**
   * Names each file defines, by path. Undefined: the best candidates' definitions are read with
   * `extractTags` (see `maxSymbolFiles`).
   */
  symbols?: ReadonlyMap<string, readonly string[]>;
  /** Candidates whose symbols are extracted when `symbols` is undefined; default 200. */
  maxSymbolFiles?: number;
  /** Default 200,000. */
  maxFiles?: number;
  /** Larger files are skipped; default 1 MB. */
  maxFileBytes?: number;
  /** Content tokens read per file (the first ones): what bounds time and memory per file; default 5,000. */
  maxTokensPerFile?: number;
}

/** A file and how well it matches the query (larger is better; only comparable within one answer). */
export interface RankedFile {
  path: string;
  score: number;
}

/** How much a match in each field counts: a word in the path says most about a file. */
const FIELD_WEIGHTS = { path: 3, symbols: 2, content: 1 } as const;
type Field = keyof typeof FIELD_WEIGHTS;

/**
 * The files under `root` most relevant to a query in words (`"retry budget reservation"`), ranked by
 * BM25 over their path's words, the names they define and their content's words. A first look before
 * reading code: cheap, one pass over the files, memory bounded by files × query words. An empty query
 * (no word of two characters or more) ranks nothing.
 */
export async function firstLook(
  root: string,
  query: string,
  options: FirstLookOptions = {},
): Promise<RankedFile[]> {
  return firstLookWith(hostSearchableFiles(await realpath(root)), query, options);
}

/** `firstLook` over given files: the agent's tool passes its workspace view. */
export async function firstLookWith(
  files: SearchableFiles,
  query: string,
  options: FirstLookOptions = {},
): Promise<RankedFile[]> {
  const terms = [...new Set(tokenize(query, 64))];
  if (terms.length === 0) return [];
  const k = options.k ?? 10;
  const maxTokens = options.maxTokensPerFile ?? 5000;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const listed = await files.list({ maxFiles: options.maxFiles ?? DEFAULT_MAX_FILES, maxFileBytes });
  const vocabulary = new Set(terms);
  // Ranked once without symbols to find the candidates, then again with the candidates' symbols: a file
  // whose path and first tokens hold no query word could only rank through symbols past the token cap.
  const documents: Array<{ path: string; fields: Partial<Record<Field, Bm25Field>> }> = [];
  for (const path of listed.files) {
    const bytes = await files.read(path);
    if (bytes === undefined || bytes.length > maxFileBytes) continue;
    const text = bytes.subarray(0, maxTokens * 16).toString('utf8');
    const all = tokenize(text, maxTokens);
    // Only the query's words are kept; the field's length is all BM25 needs of the others.
    const content = { tokens: all.filter((token) => vocabulary.has(token)), length: all.length };
    const names = options.symbols?.get(path);
    const fields: Partial<Record<Field, Bm25Field>> = {
      path: pathTokens(path),
      content,
    };
    if (names !== undefined) fields.symbols = onlyQueryWords(names, vocabulary);
    documents.push({ path, fields });
  }
  if (options.symbols === undefined) {
    const first = rank(documents, vocabulary, terms, options.maxSymbolFiles ?? 200);
    const candidates = new Set(first.map((hit) => hit.path));
    for (const document of documents) {
      if (!candidates.has(document.path)) continue;
      const bytes = await files.read(document.path);
      if (bytes === undefined) continue;
      const tags = await extractTags(document.path, bytes);
      const names = tags.definitions.map((definition) => definition.name);
      document.fields.symbols = onlyQueryWords(names, vocabulary);
    }
  }
  return rank(documents, vocabulary, terms, k);
}

function rank(
  documents: ReadonlyArray<{ path: string; fields: Partial<Record<Field, Bm25Field>> }>,
  vocabulary: ReadonlySet<string>,
  terms: readonly string[],
  k: number,
): RankedFile[] {
  const index = new Bm25Index<Field>({ fieldWeights: FIELD_WEIGHTS, vocabulary });
  for (const document of documents) index.add(document.path, document.fields);
  return index.search(terms, k).map((hit) => ({ path: hit.id, score: Math.round(hit.score * 1000) / 1000 }));
}

function onlyQueryWords(names: readonly string[], vocabulary: ReadonlySet<string>): Bm25Field {
  const words = names.flatMap((name) => tokenize(name, 16));
  return { tokens: words.filter((word) => vocabulary.has(word)), length: words.length };
}
