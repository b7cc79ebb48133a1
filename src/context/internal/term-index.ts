import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { forEachTerm } from './code-terms.ts';
import { readInside } from './read-inside.ts';

/**
 * An inverted index of a workspace's files: for each term, the files holding it and how often. A file's
 * document is its path's terms and its content's terms (`forEachTerm`). Postings are two flat typed
 * arrays, so 20,000 files cost a few tens of MB and load from disk in one read.
 */
export interface TermIndex {
  /** Paths relative to the root, by document number. */
  paths: string[];
  /** Terms per document. */
  lengths: Uint32Array;
  /** Document number of each posting, grouped by term. */
  documents: Uint32Array;
  /** Term frequency of each posting. */
  frequencies: Uint32Array;
  /** Where a term's postings start and end in `documents`/`frequencies`. */
  spans: Map<string, [number, number]>;
  /** Whether it was read from the cache (`false`: built by reading every file). */
  cached: boolean;
}

const INDEX_VERSION = 'warden-term-index-2';
/**
 * Characters of a file's content that are indexed (its head): what bounds a cold build's time on a
 * repository of large generated files. Definitions and the words about them are near the top of most
 * hand-written files.
 */
const MAX_INDEXED_CHARS = 64 * 1024;
const PARALLEL_READS = 16;

// Checked by hand rather than element by element with zod: 20,000 tuples through a schema cost more
// than the rest of a warm load. Every value read is still checked before it is used.
const IndexMeta = z.object({
  version: z.literal(INDEX_VERSION),
  files: z.array(z.unknown()),
  terms: z.array(z.unknown()),
});

/**
 * The index of `files` (paths under `root` with the sizes and modification times the walk saw). With a
 * `cacheDir`, an index saved there for the same root is reused when every file still has its size and
 * modification time, and a freshly built one is saved; a damaged cache is rebuilt, never trusted.
 * Files that cannot be read inside `root` get an empty document.
 */
export async function loadTermIndex(
  root: string,
  files: ReadonlyArray<{ path: string; bytes: number; mtimeMs: number }>,
  options: { cacheDir?: string | undefined; maxFileBytes: number; saved?: SavedIndex | undefined },
): Promise<TermIndex> {
  const dir = indexDir(root, options.cacheDir);
  if (dir !== undefined) {
    const cached = await readCached(dir, files, options.saved);
    if (cached !== undefined) return cached;
  }
  const index = await buildIndex(root, files, options.maxFileBytes);
  if (dir !== undefined) await save(dir, files, index).catch(() => undefined);
  return index;
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
    const span = index.spans.get(term);
    if (span === undefined) continue;
    const [start, end] = span;
    const idf = Math.log(1 + (count - (end - start) + 0.5) / (end - start + 0.5));
    for (let posting = start; posting < end; posting++) {
      const document = index.documents[posting] as number;
      const frequency = index.frequencies[posting] as number;
      const norm = 1.2 * (0.25 + (0.75 * (index.lengths[document] as number)) / average);
      scores[document] =
        (scores[document] as number) + (weight * idf * (frequency * 2.2)) / (frequency + norm);
    }
  }
  return scores;
}

async function buildIndex(
  root: string,
  files: ReadonlyArray<{ path: string }>,
  maxFileBytes: number,
): Promise<TermIndex> {
  const lengths = new Uint32Array(files.length);
  const postings = new Map<string, number[]>();
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const document = next++;
      const file = (files[document] as { path: string }).path;
      const counts = new Map<string, number>();
      const add = (term: string) => counts.set(term, (counts.get(term) ?? 0) + 1);
      forEachTerm(file, add);
      const content = await readInside(root, file, maxFileBytes);
      if (content !== undefined) {
        forEachTerm(new TextDecoder().decode(content.subarray(0, MAX_INDEXED_CHARS)), add);
      }
      let length = 0;
      for (const [term, frequency] of counts) {
        length += frequency;
        const list = postings.get(term);
        if (list === undefined) postings.set(term, [document, frequency]);
        else list.push(document, frequency);
      }
      lengths[document] = length;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_READS }, worker));
  let size = 0;
  for (const list of postings.values()) size += list.length / 2;
  const documents = new Uint32Array(size);
  const frequencies = new Uint32Array(size);
  const spans = new Map<string, [number, number]>();
  let at = 0;
  for (const term of [...postings.keys()].sort()) {
    const list = postings.get(term) as number[];
    // Workers finish files out of order: keep each term's postings in document order.
    const pairs: Array<[number, number]> = [];
    for (let item = 0; item < list.length; item += 2)
      pairs.push([list[item] as number, list[item + 1] as number]);
    pairs.sort((left, right) => left[0] - right[0]);
    const start = at;
    for (const [document, frequency] of pairs) {
      documents[at] = document;
      frequencies[at] = frequency;
      at++;
    }
    spans.set(term, [start, at]);
  }
  return { paths: files.map((file) => file.path), lengths, documents, frequencies, spans, cached: false };
}

/** The metadata of an index saved for a root: read once, for the walk's `known` and for the index. */
export type SavedIndex = z.infer<typeof IndexMeta>;

/**
 * The index saved in `cacheDir` for `root` (its metadata), with what it knew of each file, so a walk can
 * skip re-reading the heads of files unchanged since; undefined without one.
 */
export async function readSavedIndex(
  root: string,
  cacheDir: string | undefined,
): Promise<{ saved: SavedIndex; known: Map<string, { bytes: number; mtimeMs: number }> } | undefined> {
  const dir = indexDir(root, cacheDir);
  if (dir === undefined) return undefined;
  try {
    const saved = IndexMeta.parse(JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8')));
    const known = new Map<string, { bytes: number; mtimeMs: number }>();
    for (const entry of saved.files) {
      if (!Array.isArray(entry)) continue;
      const [file, bytes, mtimeMs] = entry as unknown[];
      if (typeof file === 'string' && typeof bytes === 'number' && typeof mtimeMs === 'number') {
        known.set(file, { bytes, mtimeMs });
      }
    }
    return { saved, known };
  } catch {
    return undefined;
  }
}

function indexDir(root: string, cacheDir: string | undefined): string | undefined {
  return cacheDir === undefined
    ? undefined
    : path.join(cacheDir, 'term-index', createHash('sha1').update(root).digest('hex').slice(0, 16));
}

async function readCached(
  dir: string,
  files: ReadonlyArray<{ path: string; bytes: number; mtimeMs: number }>,
  saved: SavedIndex | undefined,
): Promise<TermIndex | undefined> {
  try {
    const meta = saved ?? IndexMeta.parse(JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8')));
    if (meta.files.length !== files.length) return undefined;
    for (let document = 0; document < files.length; document++) {
      const entry = meta.files[document];
      const now = files[document] as { path: string; bytes: number; mtimeMs: number };
      if (
        !Array.isArray(entry) ||
        entry[0] !== now.path ||
        entry[1] !== now.bytes ||
        entry[2] !== now.mtimeMs
      ) {
        return undefined;
      }
    }
    const binary = await readFile(path.join(dir, 'postings.bin'));
    const words = new Uint32Array(binary.buffer, binary.byteOffset, binary.byteLength / 4);
    const terms = meta.terms.length;
    const count = files.length;
    const postingCount = (words.length - count - terms - 1) / 2;
    if (!Number.isInteger(postingCount) || postingCount < 0) return undefined;
    const lengths = words.slice(0, count);
    const offsets = words.subarray(count, count + terms + 1);
    const documents = words.slice(count + terms + 1, count + terms + 1 + postingCount);
    const frequencies = words.slice(count + terms + 1 + postingCount);
    const spans = new Map<string, [number, number]>();
    for (let index = 0; index < terms; index++) {
      const term = meta.terms[index];
      const start = offsets[index] as number;
      const end = offsets[index + 1] as number;
      if (typeof term !== 'string' || end < start) return undefined;
      spans.set(term, [start, end]);
    }
    if ((offsets[terms] as number) !== postingCount) return undefined;
    for (const document of documents) if (document >= count) return undefined;
    return { paths: files.map((file) => file.path), lengths, documents, frequencies, spans, cached: true };
  } catch {
    return undefined;
  }
}

async function save(
  dir: string,
  files: ReadonlyArray<{ path: string; bytes: number; mtimeMs: number }>,
  index: TermIndex,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const terms = [...index.spans.keys()];
  const words = new Uint32Array(files.length + terms.length + 1 + 2 * index.documents.length);
  words.set(index.lengths, 0);
  terms.forEach((term, position) => {
    words[files.length + position] = (index.spans.get(term) as [number, number])[0];
  });
  words[files.length + terms.length] = index.documents.length;
  words.set(index.documents, files.length + terms.length + 1);
  words.set(index.frequencies, files.length + terms.length + 1 + index.documents.length);
  const meta = {
    version: INDEX_VERSION,
    files: files.map((file) => [file.path, file.bytes, file.mtimeMs]),
    terms,
  };
  const suffix = `${process.pid}-${Date.now()}`;
  await writeFile(path.join(dir, `postings.bin.${suffix}`), words);
  await writeFile(path.join(dir, `meta.json.${suffix}`), JSON.stringify(meta));
  // Postings first, then the metadata that vouches for them: a reader that sees the new meta.json finds
  // the new postings (a torn pair fails the span checks and is rebuilt).
  await rename(path.join(dir, `postings.bin.${suffix}`), path.join(dir, 'postings.bin'));
  await rename(path.join(dir, `meta.json.${suffix}`), path.join(dir, 'meta.json'));
}
