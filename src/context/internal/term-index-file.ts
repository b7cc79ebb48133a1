import { isAscii } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { Postings } from './postings.ts';

/**
 * The term index on disk, one file written aside and renamed into place. Little-endian words:
 *
 *   header     12 × u32: magic, format, files, terms, postings, path bytes, term bytes, CRC-32 of the
 *              header's first 7 words and of everything up to the postings, 4 reserved
 *   files      sizes (f64 × files), modification times (f64 × files), lengths in terms (u32 × files),
 *              end of each path in the path text (u32 × files)
 *   terms      end of each term in the term text (u32 × terms), first posting of each term and the
 *              total (u32 × (terms + 1))
 *   text       the paths (UTF-8), then the terms (ASCII, sorted), each padded to 4 bytes
 *   postings   (document, frequency) u32 pairs, grouped by term, in document order
 *
 * Everything before the postings is read at once and checked by its CRC; a term's postings are read
 * only when a query asks for the term, and checked as they are read.
 */
const MAGIC = 0x33495457; // "WTI3"
/** Bump whenever what a document's terms are changes: an older file is then rebuilt, never served. */
const FORMAT = 1;
const HEADER_BYTES = 48;
const FILE_NAME = 'index.bin';

/** A file as the index saw it: its path, size and modification time. */
export interface IndexedFile {
  path: string;
  bytes: number;
  mtimeMs: number;
}

/** What the index holds, in memory, to be written. */
export interface TermIndexContents {
  files: ReadonlyArray<IndexedFile>;
  lengths: Uint32Array;
  postings: Postings;
}

/** An index file opened: its files and lengths read, its postings read on demand. */
export interface SavedTermIndex {
  paths: string[];
  sizes: Float64Array;
  mtimes: Float64Array;
  lengths: Uint32Array;
  /** The document number of a path, or undefined. */
  documentOf(file: string): number | undefined;
  /** The postings (pairs) of each term that has any; undefined when the file is damaged or was replaced. */
  readPostings(terms: Iterable<string>): Promise<Map<string, Uint32Array> | undefined>;
  /** Every term's postings; undefined when the file is damaged or was replaced. */
  readAll(): Promise<Postings | undefined>;
}

interface Layout {
  files: number;
  terms: number;
  postings: number;
  pathBytes: number;
  termBytes: number;
  sizesAt: number;
  mtimesAt: number;
  lengthsAt: number;
  pathEndsAt: number;
  termEndsAt: number;
  startsAt: number;
  pathTextAt: number;
  termTextAt: number;
  pairsAt: number;
  total: number;
}

const pad4 = (bytes: number) => Math.ceil(bytes / 4) * 4;

function layoutOf(
  files: number,
  terms: number,
  postings: number,
  pathBytes: number,
  termBytes: number,
): Layout {
  const sizesAt = HEADER_BYTES;
  const mtimesAt = sizesAt + 8 * files;
  const lengthsAt = mtimesAt + 8 * files;
  const pathEndsAt = lengthsAt + 4 * files;
  const termEndsAt = pathEndsAt + 4 * files;
  const startsAt = termEndsAt + 4 * terms;
  const pathTextAt = startsAt + 4 * (terms + 1);
  const termTextAt = pathTextAt + pad4(pathBytes);
  const pairsAt = termTextAt + pad4(termBytes);
  const total = pairsAt + 8 * postings;
  return {
    files,
    terms,
    postings,
    pathBytes,
    termBytes,
    ...{
      sizesAt,
      mtimesAt,
      lengthsAt,
      pathEndsAt,
      termEndsAt,
      startsAt,
      pathTextAt,
      termTextAt,
      pairsAt,
      total,
    },
  };
}

/** Writes the index to `dir` aside and renames it into place: a reader sees the old file or the new one. */
export async function writeTermIndex(dir: string, contents: TermIndexContents): Promise<void> {
  const { files, lengths, postings } = contents;
  const pathText = Buffer.from(files.map((file) => file.path).join(''), 'utf8');
  const termText = Buffer.from(postings.terms.join(''), 'latin1');
  const layout = layoutOf(
    files.length,
    postings.terms.length,
    postings.pairs.length / 2,
    pathText.length,
    termText.length,
  );
  // The tables in one buffer; the postings are written from where they are, not copied beside them.
  const buffer = new ArrayBuffer(layout.pairsAt);
  const bytes = new Uint8Array(buffer);
  new Uint32Array(buffer, 0, 7).set([
    MAGIC,
    FORMAT,
    layout.files,
    layout.terms,
    layout.postings,
    layout.pathBytes,
    layout.termBytes,
  ]);
  const sizes = new Float64Array(buffer, layout.sizesAt, files.length);
  const mtimes = new Float64Array(buffer, layout.mtimesAt, files.length);
  const pathEnds = new Uint32Array(buffer, layout.pathEndsAt, files.length);
  let pathEnd = 0;
  files.forEach((file, document) => {
    sizes[document] = file.bytes;
    mtimes[document] = file.mtimeMs;
    pathEnd += Buffer.byteLength(file.path, 'utf8');
    pathEnds[document] = pathEnd;
  });
  new Uint32Array(buffer, layout.lengthsAt, files.length).set(lengths);
  const termEnds = new Uint32Array(buffer, layout.termEndsAt, layout.terms);
  let termEnd = 0;
  postings.terms.forEach((term, position) => {
    termEnd += term.length;
    termEnds[position] = termEnd;
  });
  new Uint32Array(buffer, layout.startsAt, layout.terms + 1).set(postings.starts);
  bytes.set(pathText, layout.pathTextAt);
  bytes.set(termText, layout.termTextAt);
  new Uint32Array(buffer, 28, 1)[0] = checksum(bytes, layout);
  await mkdir(dir, { recursive: true });
  const temporary = path.join(dir, `${FILE_NAME}.${randomUUID()}.tmp`);
  try {
    const { pairs } = postings;
    await writeFile(temporary, [bytes, new Uint8Array(pairs.buffer, pairs.byteOffset, pairs.byteLength)]);
    await rename(temporary, path.join(dir, FILE_NAME));
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Opens the index file in `dir` and reads everything but its postings; undefined when there is none or
 * it is damaged (wrong size, magic, format or checksum, paths or terms out of order).
 */
export async function readTermIndex(dir: string): Promise<SavedTermIndex | undefined> {
  const file = path.join(dir, FILE_NAME);
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, 'r');
    const stats = await handle.stat();
    const header = new Uint32Array(HEADER_BYTES / 4);
    if ((await handle.read(header, 0, HEADER_BYTES, 0)).bytesRead !== HEADER_BYTES) return undefined;
    if (header[0] !== MAGIC || header[1] !== FORMAT) return undefined;
    const [files, terms, postings, pathBytes, termBytes] = header.subarray(2, 7) as unknown as number[];
    const layout = layoutOf(
      files as number,
      terms as number,
      postings as number,
      pathBytes as number,
      termBytes as number,
    );
    if (layout.total !== stats.size) return undefined;
    const buffer = new ArrayBuffer(layout.pairsAt);
    const bytes = new Uint8Array(buffer);
    if ((await handle.read(bytes, 0, layout.pairsAt, 0)).bytesRead !== layout.pairsAt) return undefined;
    if (checksum(bytes, layout) !== header[7]) return undefined;
    const identity = { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
    return decode(file, identity, buffer, layout);
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function checksum(bytes: Uint8Array, layout: Layout): number {
  return crc32(bytes.subarray(HEADER_BYTES, layout.pairsAt), crc32(bytes.subarray(0, 28)));
}

function decode(
  file: string,
  identity: { ino: number; size: number; mtimeMs: number },
  buffer: ArrayBuffer,
  layout: Layout,
): SavedTermIndex | undefined {
  const pathEnds = new Uint32Array(buffer, layout.pathEndsAt, layout.files);
  const termEnds = new Uint32Array(buffer, layout.termEndsAt, layout.terms);
  const starts = new Uint32Array(buffer, layout.startsAt, layout.terms + 1);
  const pathBuffer = Buffer.from(buffer, layout.pathTextAt, layout.pathBytes);
  const termBuffer = Buffer.from(buffer, layout.termTextAt, layout.termBytes);
  if (!isAscii(termBuffer)) return undefined;
  if (!ascending(pathEnds, layout.pathBytes, false) || !ascending(termEnds, layout.termBytes, true))
    return undefined;
  if (starts[0] !== 0 || !ascending(starts.subarray(1), layout.postings, false)) return undefined;
  const termText = termBuffer.toString('latin1');
  const paths = decodePaths(pathBuffer, pathEnds);
  const documents = new Map<string, number>();
  paths.forEach((file, document) => {
    documents.set(file, document);
  });
  const termAt = (position: number) =>
    termText.slice(position === 0 ? 0 : (termEnds[position - 1] as number), termEnds[position] as number);
  const positionOf = (term: string) => {
    let low = 0;
    let high = layout.terms;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const found = termAt(middle);
      if (found === term) return middle;
      if (found < term) low = middle + 1;
      else high = middle;
    }
    return -1;
  };
  // The file read later must be the one whose tables were read: another process may have replaced it.
  const reopen = async () => {
    const handle = await open(file, 'r');
    const stats = await handle.stat();
    if (stats.ino !== identity.ino || stats.size !== identity.size || stats.mtimeMs !== identity.mtimeMs) {
      await handle.close();
      return undefined;
    }
    return handle;
  };
  const readPairs = async (handle: FileHandle, first: number, end: number) => {
    const pairs = new Uint32Array(2 * (end - first));
    const { bytesRead } = await handle.read(pairs, 0, pairs.byteLength, layout.pairsAt + 8 * first);
    return bytesRead === pairs.byteLength ? pairs : undefined;
  };
  return {
    paths,
    sizes: new Float64Array(buffer, layout.sizesAt, layout.files),
    mtimes: new Float64Array(buffer, layout.mtimesAt, layout.files),
    lengths: new Uint32Array(buffer, layout.lengthsAt, layout.files),
    documentOf: (relative) => documents.get(relative),
    async readPostings(wanted) {
      const handle = await reopen().catch(() => undefined);
      if (handle === undefined) return undefined;
      try {
        const found = new Map<string, Uint32Array>();
        for (const term of wanted) {
          const position = positionOf(term);
          if (position < 0 || found.has(term)) continue;
          const pairs = await readPairs(handle, starts[position] as number, starts[position + 1] as number);
          if (pairs === undefined || !validPairs(pairs, 0, pairs.length, layout.files)) return undefined;
          found.set(term, pairs);
        }
        return found;
      } catch {
        return undefined;
      } finally {
        await handle.close().catch(() => undefined);
      }
    },
    async readAll() {
      const handle = await reopen().catch(() => undefined);
      if (handle === undefined) return undefined;
      try {
        const pairs = await readPairs(handle, 0, layout.postings);
        if (pairs === undefined) return undefined;
        for (let position = 0; position < layout.terms; position++) {
          const first = 2 * (starts[position] as number);
          if (!validPairs(pairs, first, 2 * (starts[position + 1] as number), layout.files)) return undefined;
        }
        const terms = Array.from({ length: layout.terms }, (_, position) => termAt(position));
        return { terms, starts: starts.slice(), pairs };
      } catch {
        return undefined;
      } finally {
        await handle.close().catch(() => undefined);
      }
    },
  };
}

/** Ends that never go back (strictly forward for `strict`) and finish at `last`. */
function ascending(ends: Uint32Array, last: number, strict: boolean): boolean {
  let previous = 0;
  for (const end of ends) {
    if (end < previous || (strict && end === previous)) return false;
    previous = end;
  }
  return ends.length === 0 ? last === 0 : previous === last;
}

/** Pairs in strictly increasing document order, each document below `files`, each frequency at least 1. */
function validPairs(pairs: Uint32Array, first: number, end: number, files: number): boolean {
  let previous = -1;
  for (let at = first; at < end; at += 2) {
    const document = pairs[at] as number;
    if (document <= previous || document >= files || (pairs[at + 1] as number) === 0) return false;
    previous = document;
  }
  return true;
}

function decodePaths(text: Buffer, ends: Uint32Array): string[] {
  const paths = new Array<string>(ends.length);
  // ASCII (nearly every repository): one decode, then slices by byte offset.
  const whole = isAscii(text) ? text.toString('latin1') : undefined;
  let start = 0;
  for (let document = 0; document < ends.length; document++) {
    const end = ends[document] as number;
    paths[document] = whole === undefined ? text.toString('utf8', start, end) : whole.slice(start, end);
    start = end;
  }
  return paths;
}
