/** An identifier, a number-free word of code or prose. */
const WORD = /[A-Za-z_$][\w$]*/g;
/** Longer runs are data (base64, hashes), not names worth indexing. */
const MAX_WORD_CHARS = 64;
/** Boundaries inside an identifier: `getRequestHost` → get|Request|Host, `XMLParser` → XML|Parser. */
const CAMEL = /(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/;
/** A word with at least one such boundary (tested first: most words have none, and a split costs). */
const COMPOUND = /[a-z0-9][A-Z]|[A-Z][A-Z][a-z]|[_$]/;

/** Words too common in English or in code to tell one file from another. */
const STOP_WORDS = new Set(
  `a an and are as at be been but by can could do does did for from had has have how i if in into is it its
  me my no not of on or our so such than that the their them then there these they this those to too was we
  were what when where which while who why will with would you your should also just only like same one two
  expected expect instead get got gets use used using uses when does doesn work works happen happens
  const let var function return import export default new true false null undefined void typeof
  else case break continue switch try catch throw async await class extends implements interface type
  public private protected static readonly string number boolean object any unknown never`.split(/\s+/),
);

/** Lower-cased, with a plural `s` dropped: `cookies` and `cookie`, `routes` and `route` meet. */
export function normaliseTerm(word: string): string {
  const lower = word.toLowerCase();
  if (lower.length > 3 && lower.endsWith('s') && !lower.endsWith('ss')) return lower.slice(0, -1);
  return lower;
}

/**
 * The index terms of a text: every identifier whole (lower-cased) and, when it is compound, its
 * camelCase and snake_case parts, so `getRequestHost` matches both a query for `getRequestHost` and
 * one for "request host". Stop words and one-letter parts are left out. Calls `emit` per term, in
 * order, so a caller can count without building a list.
 */
export function forEachTerm(text: string, emit: (term: string) => void): void {
  for (const match of text.matchAll(WORD)) forEachTermOfWord(match[0], emit);
}

/** `forEachTerm` of one word (a match of `[A-Za-z_$][\w$]*`), for a caller that found the words itself. */
export function forEachTermOfWord(word: string, emit: (term: string) => void): void {
  if (word.length > MAX_WORD_CHARS) return;
  const whole = normaliseTerm(word);
  if (whole.length >= 2 && !STOP_WORDS.has(whole)) emit(whole);
  if (!COMPOUND.test(word)) return;
  const parts = word.split(/[_$]+/).flatMap((part) => part.split(CAMEL));
  if (parts.length < 2) return;
  for (const part of parts) {
    const term = normaliseTerm(part);
    if (term.length >= 2 && term !== whole && !STOP_WORDS.has(term)) emit(term);
  }
}

/** `forEachTerm` into a list. */
export function termsOf(text: string): string[] {
  const terms: string[] = [];
  forEachTerm(text, (term) => terms.push(term));
  return terms;
}
