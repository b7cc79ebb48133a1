import { createTermScanner } from './term-scanner.ts';

/**
 * The postings of an index: `terms` sorted by code unit, and for term `t` the pairs
 * `pairs[2 * starts[t] .. 2 * starts[t + 1])`, each a document number and the term's frequency there,
 * in document order.
 */
export interface Postings {
  terms: string[];
  /** `terms.length + 1` offsets, in pairs. */
  starts: Uint32Array;
  pairs: Uint32Array;
}

/**
 * Collects documents (in any order, each once) and sorts their terms into `Postings`. A document is its
 * path's terms and the terms of the first `maxContentBytes` of its content.
 */
export interface PostingsBuilder {
  add(document: number, file: string, content: Uint8Array | undefined): void;
  /** The postings, and each document's length in terms (0 for one never added). */
  finish(): { postings: Postings; lengths: Uint32Array };
}

export function createPostingsBuilder(documentCount: number, maxContentBytes: number): PostingsBuilder {
  const scanner = createTermScanner();
  const lengths = new Uint32Array(documentCount);
  const firstPair = new Int32Array(documentCount).fill(-1);
  const endPair = new Int32Array(documentCount);
  let counts: Uint32Array = new Uint32Array(4096);
  const touched: number[] = [];
  let added: Uint32Array = new Uint32Array(1 << 16);
  let used = 0;
  const emit = (term: number) => {
    if (term >= counts.length) counts = grow(counts, term + 1);
    if ((counts[term] as number) === 0) touched.push(term);
    counts[term] = (counts[term] as number) + 1;
  };
  return {
    add(document, file, content) {
      scanner.scanText(file, emit);
      if (content !== undefined) scanner.scanBytes(content, maxContentBytes, emit);
      if (used + 2 * touched.length > added.length) added = grow(added, used + 2 * touched.length);
      firstPair[document] = used / 2;
      let length = 0;
      for (const term of touched) {
        const frequency = counts[term] as number;
        added[used++] = term;
        added[used++] = frequency;
        length += frequency;
        counts[term] = 0;
      }
      touched.length = 0;
      endPair[document] = used / 2;
      lengths[document] = length;
    },
    finish() {
      const { terms } = scanner;
      const order = Array.from(terms.keys()).sort((left, right) =>
        (terms[left] as string) < (terms[right] as string) ? -1 : 1,
      );
      const rank = new Uint32Array(terms.length);
      order.forEach((term, position) => {
        rank[term] = position;
      });
      const starts = new Uint32Array(terms.length + 1);
      for (let pair = 0; pair < used / 2; pair++) {
        const position = (rank[added[2 * pair] as number] as number) + 1;
        starts[position] = (starts[position] as number) + 1;
      }
      for (let position = 1; position <= terms.length; position++)
        starts[position] = (starts[position] as number) + (starts[position - 1] as number);
      const cursor = starts.slice(0, terms.length);
      const pairs = new Uint32Array(used);
      // Documents in order, so each term's pairs come out in document order.
      for (let document = 0; document < documentCount; document++) {
        const first = firstPair[document] as number;
        if (first < 0) continue;
        for (let pair = first; pair < (endPair[document] as number); pair++) {
          const position = rank[added[2 * pair] as number] as number;
          const at = cursor[position] as number;
          cursor[position] = at + 1;
          pairs[2 * at] = document;
          pairs[2 * at + 1] = added[2 * pair + 1] as number;
        }
      }
      return { postings: { terms: order.map((term) => terms[term] as string), starts, pairs }, lengths };
    },
  };
}

/**
 * `old`'s postings with each document `d` renumbered `renumber[d]` (or dropped when it is -1; the
 * numbering must keep the order), merged with `fresh`'s, already in the new numbering. A term no
 * document holds any more is dropped.
 */
export function mergePostings(old: Postings, renumber: Int32Array, fresh: Postings): Postings {
  const terms: string[] = [];
  const starts: number[] = [0];
  const pairs = new Uint32Array(old.pairs.length + fresh.pairs.length);
  let used = 0;
  let left = 0;
  let right = 0;
  while (left < old.terms.length || right < fresh.terms.length) {
    const oldTerm = old.terms[left];
    const freshTerm = fresh.terms[right];
    const takeOld = oldTerm !== undefined && (freshTerm === undefined || oldTerm <= freshTerm);
    const takeFresh = freshTerm !== undefined && (oldTerm === undefined || freshTerm <= oldTerm);
    let oldAt = takeOld ? 2 * (old.starts[left] as number) : 0;
    const oldEnd = takeOld ? 2 * (old.starts[left + 1] as number) : 0;
    let freshAt = takeFresh ? 2 * (fresh.starts[right] as number) : 0;
    const freshEnd = takeFresh ? 2 * (fresh.starts[right + 1] as number) : 0;
    const before = used;
    while (oldAt < oldEnd || freshAt < freshEnd) {
      const oldDocument = oldAt < oldEnd ? (renumber[old.pairs[oldAt] as number] as number) : -1;
      if (oldAt < oldEnd && oldDocument < 0) {
        oldAt += 2;
        continue;
      }
      if (freshAt >= freshEnd || (oldAt < oldEnd && oldDocument < (fresh.pairs[freshAt] as number))) {
        pairs[used++] = oldDocument;
        pairs[used++] = old.pairs[oldAt + 1] as number;
        oldAt += 2;
      } else {
        pairs[used++] = fresh.pairs[freshAt] as number;
        pairs[used++] = fresh.pairs[freshAt + 1] as number;
        freshAt += 2;
      }
    }
    if (used > before) {
      terms.push((takeOld ? oldTerm : freshTerm) as string);
      starts.push(used / 2);
    }
    if (takeOld) left++;
    if (takeFresh) right++;
  }
  return { terms, starts: Uint32Array.from(starts), pairs: pairs.slice(0, used) };
}

function grow(array: Uint32Array, atLeast: number): Uint32Array {
  const grown = new Uint32Array(Math.max(atLeast, array.length * 2));
  grown.set(array);
  return grown;
}
