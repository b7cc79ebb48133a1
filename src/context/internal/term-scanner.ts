import { forEachTerm } from './code-terms.ts';

/** Longer runs are data (base64, hashes): `forEachTerm` skips them, and so does the scanner. */
const MAX_WORD_CHARS = 64;
/** Distinct words remembered with their terms: bounds the memory of a build over a huge repository. */
const MAX_REMEMBERED_WORDS = 250_000;

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

export function createTermScanner(): TermScanner {
  const terms: string[] = [];
  const numbers = new Map<string, number>();
  const remembered = new Map<string, readonly number[]>();
  const numberOf = (term: string) => {
    let number = numbers.get(term);
    if (number === undefined) {
      number = terms.length;
      terms.push(term);
      numbers.set(term, number);
    }
    return number;
  };
  const termsOfWord = (word: string): readonly number[] => {
    let found = remembered.get(word);
    if (found === undefined) {
      const list: number[] = [];
      forEachTerm(word, (term) => list.push(numberOf(term)));
      found = list;
      if (remembered.size < MAX_REMEMBERED_WORDS) remembered.set(word, found);
    }
    return found;
  };
  const scan = (text: string, emit: (term: number) => void) => {
    const length = text.length;
    let at = 0;
    while (at < length) {
      if (!isWordStart(text.charCodeAt(at))) {
        at++;
        continue;
      }
      let end = at + 1;
      while (end < length && isWordPart(text.charCodeAt(end))) end++;
      if (end - at <= MAX_WORD_CHARS) for (const term of termsOfWord(text.slice(at, end))) emit(term);
      at = end;
    }
  };
  return {
    terms,
    scanText: scan,
    scanBytes(bytes, limit, emit) {
      const end = Math.min(limit, bytes.length);
      // Latin-1 keeps one character per byte: ASCII bytes stay themselves, every other byte is a
      // character no word holds.
      scan(Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1'), emit);
    },
  };
}

/** `[A-Za-z_$]` */
function isWordStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code === 36;
}

/** `[A-Za-z0-9_$]` */
function isWordPart(code: number): boolean {
  return isWordStart(code) || (code >= 48 && code <= 57);
}
