import { forEachTermOfWord } from './code-terms.ts';

/** Longer runs are data (base64, hashes): `forEachTerm` skips them, and so does the scanner. */
const MAX_WORD_CHARS = 64;
/** Distinct words remembered with their terms: bounds the memory of a build over a huge repository. */
const MAX_REMEMBERED_WORDS = 500_000;

/**
 * Turns text into term numbers, the terms `forEachTerm` finds, without its per-word regular expressions:
 * a word is found by its character codes and the terms of a word seen before are remembered. Term
 * numbers are handed out in order of first sight; `terms` names them.
 */
export interface TermScanner {
  /** Term of each number. */
  readonly terms: string[];
  /** Calls `emit` with the number of each term of `text`, as `forEachTerm(text)` would name them. */
  scanText(text: string, emit: (term: number) => void): void;
  /**
   * The same over UTF-8 bytes (their first `limit`): a word is ASCII, and no byte of a multi-byte
   * character is ASCII, so the terms are those of the decoded text.
   */
  scanBytes(bytes: Uint8Array, limit: number, emit: (term: number) => void): void;
}

export function createTermScanner(options: { maxRememberedWords?: number } = {}): TermScanner {
  const maxRemembered = options.maxRememberedWords ?? MAX_REMEMBERED_WORDS;
  const terms: string[] = [];
  const numbers = new Map<string, number>();
  const numberOf = (term: string) => {
    let number = numbers.get(term);
    if (number === undefined) {
      number = terms.length;
      terms.push(term);
      numbers.set(term, number);
    }
    return number;
  };
  const termsOfWord = (word: string): number[] => {
    const list: number[] = [];
    forEachTermOfWord(word, (term) => list.push(numberOf(term)));
    return list;
  };
  const rememberedText = new Map<string, readonly number[]>();
  const rememberedBytes = createWordTable(maxRemembered);
  return {
    terms,
    scanText(text, emit) {
      const length = text.length;
      let at = 0;
      while (at < length) {
        if ((CLASS[text.charCodeAt(at)] ?? 0) !== START) {
          at++;
          continue;
        }
        let end = at + 1;
        while (end < length && (CLASS[text.charCodeAt(end)] ?? 0) !== 0) end++;
        if (end - at <= MAX_WORD_CHARS) {
          const word = text.slice(at, end);
          let found = rememberedText.get(word);
          if (found === undefined) {
            found = termsOfWord(word);
            if (rememberedText.size < maxRemembered) rememberedText.set(word, found);
          }
          for (const term of found) emit(term);
        }
        at = end;
      }
    },
    scanBytes(bytes, limit, emit) {
      const length = Math.min(limit, bytes.length);
      const table = rememberedBytes;
      let at = 0;
      while (at < length) {
        if (CLASS[bytes[at] as number] !== START) {
          at++;
          continue;
        }
        // FNV-1a over the word's bytes, as they are passed.
        let hash = Math.imul(FNV_OFFSET ^ (bytes[at] as number), FNV_PRIME);
        let end = at + 1;
        while (end < length && CLASS[bytes[end] as number] !== 0) {
          hash = Math.imul(hash ^ (bytes[end] as number), FNV_PRIME);
          end++;
        }
        if (end - at <= MAX_WORD_CHARS) {
          let entry = table.find(hash, bytes, at, end);
          if (entry < 0) entry = table.remember(hash, bytes, at, end, termsOfWord(latin1(bytes, at, end)));
          if (entry < 0) {
            for (const term of termsOfWord(latin1(bytes, at, end))) emit(term);
          } else {
            const terms = table.terms;
            for (let term = table.termStart(entry), last = table.termEnd(entry); term < last; term++)
              emit(terms[term] as number);
          }
        }
        at = end;
      }
    },
  };
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const START = 1;
/** Per character code below 256: `START` for `[A-Za-z_$]`, 2 for a digit, 0 for anything no word holds. */
const CLASS = (() => {
  const table = new Uint8Array(256);
  for (let code = 0; code < 256; code++) {
    const letter = (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code === 36;
    table[code] = letter ? START : code >= 48 && code <= 57 ? 2 : 0;
  }
  return table;
})();

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

/**
 * Words remembered by their bytes: an open-addressing table of hashes whose entries keep the word's
 * bytes (to tell two words with one hash apart) and its terms, all in typed arrays. No string is made
 * for a word seen before.
 */
function createWordTable(maxEntries: number) {
  let slots = new Int32Array(1 << 16);
  let hashes = new Int32Array(1 << 14);
  let starts = new Int32Array(1 << 14);
  let ends = new Int32Array(1 << 14);
  /** Where each entry's terms start in `terms`; entry `e`'s end is `termStarts[e + 1]`. */
  let termStarts = new Int32Array((1 << 14) + 1);
  let entries = 0;
  let arena = new Uint8Array(1 << 20);
  let used = 0;
  const table = {
    terms: new Int32Array(1 << 16),
    termStart: (entry: number) => termStarts[entry] as number,
    termEnd: (entry: number) => termStarts[entry + 1] as number,
    /** The entry of the word `bytes[start..end)` with this hash, or -1. */
    find(hash: number, bytes: Uint8Array, start: number, end: number): number {
      const mask = slots.length - 1;
      for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
        const entry = (slots[slot] as number) - 1;
        if (entry < 0) return -1;
        if (hashes[entry] !== hash || (ends[entry] as number) - (starts[entry] as number) !== end - start)
          continue;
        let stored = starts[entry] as number;
        let position = start;
        while (position < end && arena[stored] === bytes[position]) {
          stored++;
          position++;
        }
        if (position === end) return entry;
      }
    },
    /** Remembers a word and its terms; -1 when the table is full (the caller uses `terms` once). */
    remember(hash: number, bytes: Uint8Array, start: number, end: number, terms: number[]): number {
      if (entries >= maxEntries) return -1;
      if (entries + 1 >= hashes.length) {
        hashes = grown(hashes, 2 * hashes.length);
        starts = grown(starts, 2 * starts.length);
        ends = grown(ends, 2 * ends.length);
        termStarts = grown(termStarts, 2 * termStarts.length);
      }
      if (used + (end - start) > arena.length) arena = grown(arena, 2 * arena.length);
      const termAt = termStarts[entries] as number;
      if (termAt + terms.length > table.terms.length)
        table.terms = grown(table.terms, 2 * table.terms.length);
      arena.set(bytes.subarray(start, end), used);
      hashes[entries] = hash;
      starts[entries] = used;
      ends[entries] = used + (end - start);
      used += end - start;
      table.terms.set(terms, termAt);
      termStarts[entries + 1] = termAt + terms.length;
      const entry = entries++;
      if (2 * entries > slots.length) {
        slots = new Int32Array(slots.length * 2);
        for (let each = 0; each < entries; each++) place(each);
      } else {
        place(entry);
      }
      return entry;
    },
  };
  const place = (entry: number) => {
    const mask = slots.length - 1;
    let slot = (hashes[entry] as number) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = entry + 1;
  };
  return table;
}

function grown<T extends Int32Array | Uint8Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(length);
  bigger.set(array);
  return bigger;
}
