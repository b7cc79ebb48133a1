import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { createPostingsBuilder, mergePostings, type Postings } from './postings.ts';
import { createInsideReader } from './read-inside.ts';
import { type IndexedFile, readTermIndex, type SavedTermIndex, writeTermIndex } from './term-index-file.ts';

/**
 * An inverted index of a workspace's files, as much of it as a query needs: for each term, the files
 * holding it and how often. A file's document is its path's terms and its content's terms
 * (`forEachTerm`).
 */
export interface TermIndex {
  /** Paths relative to the root, by document number. */
  paths: string[];
  /** Terms per document. */
  lengths: Uint32Array;
  /**
   * The (document, frequency) pairs of a term, in document order; undefined when no document holds it.
   * An index read from the cache holds only the terms it was loaded for.
   */
  postings(term: string): Uint32Array | undefined;
  /** Whether it was read whole from the cache (`false`: some or every file was read and indexed now). */
  cached: boolean;
}

/**
 * Characters of a file's content that are indexed (its head): what bounds a cold build's time on a
 * repository of large generated files. Definitions and the words about them are near the top of most
 * hand-written files.
 */
const MAX_INDEXED_CHARS = 64 * 1024;
/** Longest stretch of reading and indexing before the event loop runs. */
const SLICE_MS = 10;

/**
 * The index of `files` (paths under `root` with the sizes and modification times the walk saw), holding
 * at least the postings of `terms`. With a `cacheDir`, an index saved there for the same root is reused:
 * whole when every file still has its size and modification time (only the postings of `terms` are
 * read), else updated by indexing only the files added or changed and dropping those gone. The result
 * is saved back; a damaged cache is rebuilt, never trusted. Files that cannot be read inside `root` get
 * a document of their path's terms.
 *
 * Memory: a load from the cache holds each file's path and 24 bytes, the term dictionary (its text and
 * 8 bytes a term) and the postings of `terms` only. A build or an update also holds every posting (8
 * bytes per file and distinct term in it) two or three times while it sorts or merges them, and the
 * words it remembers (`createTermScanner`): 20,000 files of JavaScript have 2.3 million postings.
 */
export async function loadTermIndex(
  root: string,
  files: ReadonlyArray<IndexedFile>,
  options: {
    cacheDir?: string | undefined;
    maxFileBytes: number;
    terms: Iterable<string>;
    saved?: SavedTermIndex | undefined;
  },
): Promise<TermIndex> {
  const dir = indexDir(root, options.cacheDir);
  const saved = dir === undefined ? undefined : (options.saved ?? (await readTermIndex(dir)));
  if (saved !== undefined && sameFiles(saved, files)) {
    const found = await saved.readPostings(options.terms);
    if (found !== undefined) {
      return {
        paths: saved.paths,
        lengths: saved.lengths,
        postings: (term) => found.get(term),
        cached: true,
      };
    }
  }
  const old = saved === undefined ? undefined : await saved.readAll();
  const { postings, lengths } =
    saved !== undefined && old !== undefined
      ? await update(root, files, saved, old, options.maxFileBytes)
      : await build(root, files, Array.from(files.keys()), options.maxFileBytes);
  if (dir !== undefined) {
    await writeTermIndex(dir, { files, lengths, postings }).catch(() => undefined);
    // The files of the index's earlier format, if any, are not read any more.
    await rm(path.join(dir, 'meta.json'), { force: true }).catch(() => undefined);
    await rm(path.join(dir, 'postings.bin'), { force: true }).catch(() => undefined);
  }
  return { paths: files.map((file) => file.path), lengths, postings: postingsOf(postings), cached: false };
}

/**
 * The index saved in `cacheDir` for `root`, with what it knew of each file, so a walk can skip
 * re-reading the heads of files unchanged since; undefined without one (or with a damaged one).
 */
export async function readSavedIndex(
  root: string,
  cacheDir: string | undefined,
): Promise<
  | { saved: SavedTermIndex; known: (file: string) => { bytes: number; mtimeMs: number } | undefined }
  | undefined
> {
  const dir = indexDir(root, cacheDir);
  const saved = dir === undefined ? undefined : await readTermIndex(dir);
  if (saved === undefined) return undefined;
  const known = (file: string) => {
    const document = saved.documentOf(file);
    if (document === undefined) return undefined;
    return { bytes: saved.sizes[document] as number, mtimeMs: saved.mtimes[document] as number };
  };
  return { saved, known };
}

/**
 * BM25 scores (k1 1.2, b 0.75) of every document for `query` (terms, repeated as often as the query
 * repeats them), indexed by document number.
 */
export function scoreBm25(index: TermIndex, query: readonly string[]): Float64Array {
  const scores = new Float64Array(index.paths.length);
  const count = index.paths.length;
  if (count === 0) return scores;
  let total = 0;
  for (const length of index.lengths) total += length;
  const average = total / count || 1;
  const weights = new Map<string, number>();
  for (const term of query) weights.set(term, (weights.get(term) ?? 0) + 1);
  for (const [term, weight] of weights) {
    const pairs = index.postings(term);
    if (pairs === undefined) continue;
    const frequencyOfTerm = pairs.length / 2;
    const idf = Math.log(1 + (count - frequencyOfTerm + 0.5) / (frequencyOfTerm + 0.5));
    for (let at = 0; at < pairs.length; at += 2) {
      const document = pairs[at] as number;
      const frequency = pairs[at + 1] as number;
      const norm = 1.2 * (0.25 + (0.75 * (index.lengths[document] as number)) / average);
      scores[document] =
        (scores[document] as number) + (weight * idf * (frequency * 2.2)) / (frequency + norm);
    }
  }
  return scores;
}

function sameFiles(saved: SavedTermIndex, files: ReadonlyArray<IndexedFile>): boolean {
  if (saved.paths.length !== files.length) return false;
  for (let document = 0; document < files.length; document++) {
    const file = files[document] as IndexedFile;
    if (
      saved.paths[document] !== file.path ||
      saved.sizes[document] !== file.bytes ||
      saved.mtimes[document] !== file.mtimeMs
    ) {
      return false;
    }
  }
  return true;
}

/** Indexes `which` of `files` (document numbers) by reading them. */
async function build(
  root: string,
  files: ReadonlyArray<IndexedFile>,
  which: readonly number[],
  maxFileBytes: number,
): Promise<{ postings: Postings; lengths: Uint32Array }> {
  const builder = createPostingsBuilder(files.length, MAX_INDEXED_CHARS);
  const read = createInsideReader(root);
  // Read and indexed synchronously, a few milliseconds at a time: the event loop runs between slices.
  let sliceStart = performance.now();
  for (const document of which) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    const file = (files[document] as IndexedFile).path;
    builder.add(document, file, read(file, maxFileBytes));
  }
  return builder.finish();
}

/** The saved index brought up to `files`: unchanged files keep their postings, the others are read. */
async function update(
  root: string,
  files: ReadonlyArray<IndexedFile>,
  saved: SavedTermIndex,
  old: Postings,
  maxFileBytes: number,
): Promise<{ postings: Postings; lengths: Uint32Array }> {
  const renumber = new Int32Array(saved.paths.length).fill(-1);
  const kept: Array<[number, number]> = [];
  const changed: number[] = [];
  let last = -1;
  for (let document = 0; document < files.length; document++) {
    const file = files[document] as IndexedFile;
    const before = saved.documentOf(file.path);
    if (before !== undefined && saved.sizes[before] === file.bytes && saved.mtimes[before] === file.mtimeMs) {
      // Postings are merged in document order: files listed in another order than the saved one (not
      // what a walk does) are all indexed again.
      if (before < last) return build(root, files, Array.from(files.keys()), maxFileBytes);
      last = before;
      renumber[before] = document;
      kept.push([before, document]);
    } else {
      changed.push(document);
    }
  }
  const fresh = await build(root, files, changed, maxFileBytes);
  for (const [before, document] of kept) fresh.lengths[document] = saved.lengths[before] as number;
  return { postings: mergePostings(old, renumber, fresh.postings), lengths: fresh.lengths };
}

/** Binary search over the sorted terms. */
function postingsOf(postings: Postings): (term: string) => Uint32Array | undefined {
  return (term) => {
    let low = 0;
    let high = postings.terms.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const found = postings.terms[middle] as string;
      if (found === term) {
        return postings.pairs.subarray(
          2 * (postings.starts[middle] as number),
          2 * (postings.starts[middle + 1] as number),
        );
      }
      if (found < term) low = middle + 1;
      else high = middle;
    }
    return undefined;
  };
}

function indexDir(root: string, cacheDir: string | undefined): string | undefined {
  return cacheDir === undefined
    ? undefined
    : path.join(cacheDir, 'term-index', createHash('sha1').update(root).digest('hex').slice(0, 16));
}
