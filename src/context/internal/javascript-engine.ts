import { Worker } from 'node:worker_threads';
import type { GlobDecision } from './glob-selector.ts';
import type { SearchPattern } from './search-pattern.ts';
import { comparePathSegments, type FileHits } from './search-results.ts';

/** What the fallback may touch: a list of the root's searchable files, and a reader confined to it. */
export interface SearchableFiles {
  /** Text files (paths relative to the root) that `.gitignore` and `select` leave, at most `maxFiles`. */
  list(options: {
    maxFiles: number;
    maxFileBytes: number;
    select?: (relative: string, isDirectory: boolean) => GlobDecision;
  }): Promise<{ files: string[]; truncated: boolean }>;
  /** The file's bytes; undefined when it cannot be read (gone, a link, too large, outside the root). */
  read(path: string): Promise<Buffer | undefined>;
}

export interface JavaScriptSearch {
  pattern: SearchPattern;
  select?: (relative: string, isDirectory: boolean) => GlobDecision;
  contextLines: number;
  maxFileBytes: number;
  maxFiles: number;
  maxMatches: number;
  /** The whole search's time budget: a pattern still running then is stopped and the result marked. */
  timeoutMs: number;
}

/** Bytes of file text sent to the matching thread at once. */
const BATCH_BYTES = 4 * 1024 * 1024;
const BATCH_FILES = 512;
/** Files read at once: enough to overlap I/O, few enough to bound open handles and memory. */
const PARALLEL_READS = 16;

/**
 * ripgrep's search in JavaScript, over `files`: the same files (the caller's list applies the same
 * rules), lines and columns. Matching runs on a worker thread, so a pattern that backtracks without
 * end on some line is stopped when `timeoutMs` runs out (the thread is terminated) instead of hanging
 * the process; the matches found until then are kept and the result is `truncated`.
 */
export async function searchWithJavaScript(
  files: SearchableFiles,
  search: JavaScriptSearch,
): Promise<{ files: FileHits[]; truncated: boolean }> {
  const deadline = Date.now() + search.timeoutMs;
  const listed = await files.list({
    maxFiles: search.maxFiles,
    maxFileBytes: search.maxFileBytes,
    select: search.select,
  });
  const paths = [...listed.files].sort(comparePathSegments);
  const matcher = new LineMatcher(search.pattern.javascript);
  const found: FileHits[] = [];
  let count = 0;
  const truncated = listed.truncated;
  try {
    let batch: Array<{ path: string; text: string }> = [];
    let batchBytes = 0;
    const flush = async (): Promise<boolean> => {
      const remaining = deadline - Date.now();
      const hits =
        remaining > 0
          ? await matcher.match(
              batch.map((file) => file.text),
              remaining,
            )
          : undefined;
      if (hits === undefined) return false;
      for (const [index, fileHits] of hits.entries()) {
        if (fileHits.length === 0) continue;
        const file = batch[index] as { path: string; text: string };
        // One more than asked for: whether it exists tells a full result from a cut one.
        const kept = fileHits.slice(0, search.maxMatches + 1 - count);
        count += kept.length;
        found.push(withContext(file.path, file.text, kept, search.contextLines));
        if (count > search.maxMatches) return false;
      }
      batch = [];
      batchBytes = 0;
      return true;
    };
    for (let start = 0; start < paths.length; start += PARALLEL_READS) {
      const group = paths.slice(start, start + PARALLEL_READS);
      const contents = await Promise.all(group.map((path) => files.read(path)));
      for (const [index, bytes] of contents.entries()) {
        if (bytes === undefined || bytes.length > search.maxFileBytes || bytes.subarray(0, 8192).includes(0))
          continue;
        batch.push({ path: group[index] as string, text: bytes.toString('utf8') });
        batchBytes += bytes.length;
        if ((batchBytes >= BATCH_BYTES || batch.length >= BATCH_FILES) && !(await flush())) {
          return withoutExtra(found, search.maxMatches);
        }
      }
      if (Date.now() > deadline) return withoutExtra(found, search.maxMatches);
    }
    if (batch.length > 0 && !(await flush())) return withoutExtra(found, search.maxMatches);
    return { files: found, truncated };
  } finally {
    await matcher.close();
  }
}

/** A search that stopped early: the hit past `maxMatches`, if one was found, is dropped. */
function withoutExtra(found: FileHits[], maxMatches: number): { files: FileHits[]; truncated: true } {
  const count = found.reduce((sum, file) => sum + file.hits.length, 0);
  const last = found[found.length - 1];
  if (count > maxMatches && last !== undefined) {
    last.hits.pop();
    if (last.hits.length === 0) found.pop();
  }
  return { files: found, truncated: true };
}

function withContext(
  path: string,
  text: string,
  hits: Array<{ line: number; column: number }>,
  contextLines: number,
): FileHits {
  const all = splitLines(text);
  const lines = new Map<number, string>();
  for (const { line } of hits) {
    const last = Math.min(all.length, line + contextLines);
    for (let number = Math.max(1, line - contextLines); number <= last; number += 1) {
      lines.set(number, (all[number - 1] as string).replace(/\r$/, ''));
    }
  }
  return { path, hits, lines };
}

/** The file's lines as ripgrep counts them: a final newline ends the last line, it does not start one. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// The worker's code, self-contained (no import) so it runs from source and from the bundle alike.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const pattern = new RegExp(workerData.source, workerData.flags);
parentPort.on('message', (texts) => {
  parentPort.postMessage(texts.map((text) => {
    const hits = [];
    const lines = text.split('\\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    for (let index = 0; index < lines.length; index += 1) {
      const found = pattern.exec(lines[index]);
      if (found !== null) hits.push({ line: index + 1, column: found.index + 1 });
    }
    return hits;
  }));
});
`;

/** Matches batches of file texts on a worker thread that a deadline can terminate. */
class LineMatcher {
  readonly #pattern: RegExp;
  #worker: Worker | undefined;

  constructor(pattern: RegExp) {
    this.#pattern = pattern;
  }

  /** Per text, its matching lines; undefined when `timeoutMs` ran out first (the worker is then gone). */
  match(
    texts: string[],
    timeoutMs: number,
  ): Promise<Array<Array<{ line: number; column: number }>> | undefined> {
    this.#worker ??= new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { source: this.#pattern.source, flags: this.#pattern.flags },
    });
    const worker = this.#worker;
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      const onMessage = (hits: Array<Array<{ line: number; column: number }>>) => {
        finish();
        resolve(hits);
      };
      const onError = (error: Error) => {
        finish();
        this.#worker = undefined;
        reject(error);
      };
      const timer = setTimeout(() => {
        finish();
        this.#worker = undefined;
        void worker.terminate();
        resolve(undefined);
      }, timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage(texts);
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }
}
