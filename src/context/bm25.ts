/** Options of a BM25 index; every field of every document is scored with the same `k1` and `b`. */
export interface Bm25Options<Field extends string> {
  /** How much a field's score counts; a field not named here counts 1. */
  fieldWeights?: Partial<Record<Field, number>>;
  /** Term-frequency saturation; default 1.2. */
  k1?: number;
  /** Length normalisation; default 0.75. */
  b?: number;
  /**
   * The only terms kept: a caller that knows its query keeps memory to documents × query terms.
   * Undefined: every term is kept (up to `maxTermsPerDocument`).
   */
  vocabulary?: ReadonlySet<string>;
  /** Distinct terms kept per field of a document (the first ones met); default 2,000. */
  maxTermsPerDocument?: number;
}

/**
 * A field's tokens. A caller that filtered them (to the query's words) gives the field's full `length`
 * beside them, since BM25 normalises by it.
 */
export type Bm25Field = readonly string[] | { tokens: readonly string[]; length: number };

/** A document's score for a query. */
export interface Bm25Hit {
  id: string;
  score: number;
}

/**
 * A BM25 index over documents made of fields (path, symbols, content…): each field is scored with its
 * own document frequencies and average length, and the weighted scores add up. `add` is linear in the
 * document's tokens; `search` in the documents holding a query term.
 */
export class Bm25Index<Field extends string> {
  readonly #k1: number;
  readonly #b: number;
  readonly #weights: Partial<Record<Field, number>>;
  readonly #vocabulary: ReadonlySet<string> | undefined;
  readonly #maxTerms: number;
  readonly #ids: string[] = [];
  /** Per field: term → postings (document index, term frequency), and every document's length. */
  readonly #fields = new Map<Field, { postings: Map<string, number[]>; lengths: number[]; total: number }>();

  constructor(options: Bm25Options<Field> = {}) {
    this.#k1 = options.k1 ?? 1.2;
    this.#b = options.b ?? 0.75;
    this.#weights = options.fieldWeights ?? {};
    this.#vocabulary = options.vocabulary;
    this.#maxTerms = options.maxTermsPerDocument ?? 2000;
  }

  get size(): number {
    return this.#ids.length;
  }

  /** Adds a document: its id and the tokens of each of its fields (a missing field is empty). */
  add(id: string, fields: Partial<Record<Field, Bm25Field>>): void {
    const document = this.#ids.length;
    this.#ids.push(id);
    for (const [field, value] of Object.entries(fields) as Array<[Field, Bm25Field]>) {
      const index = this.#field(field);
      const tokens = 'tokens' in value ? value.tokens : value;
      const length = value.length;
      index.lengths[document] = length;
      index.total += length;
      const counts = new Map<string, number>();
      for (const token of tokens) {
        if (this.#vocabulary !== undefined && !this.#vocabulary.has(token)) continue;
        const count = counts.get(token);
        if (count !== undefined) counts.set(token, count + 1);
        else if (counts.size < this.#maxTerms) counts.set(token, 1);
      }
      for (const [term, count] of counts) {
        const postings = index.postings.get(term);
        if (postings === undefined) index.postings.set(term, [document, count]);
        else postings.push(document, count);
      }
    }
  }

  /** The `k` best documents for the query's terms, best first; ties in the order they were added. */
  search(terms: readonly string[], k: number): Bm25Hit[] {
    const scores = new Map<number, number>();
    const count = this.#ids.length;
    for (const [field, index] of this.#fields) {
      const weight = this.#weights[field] ?? 1;
      if (weight === 0 || index.total === 0) continue;
      const average = index.total / count;
      for (const term of new Set(terms)) {
        const postings = index.postings.get(term);
        if (postings === undefined) continue;
        const frequency = postings.length / 2;
        const idf = Math.log(1 + (count - frequency + 0.5) / (frequency + 0.5));
        for (let at = 0; at < postings.length; at += 2) {
          const document = postings[at] as number;
          const tf = postings[at + 1] as number;
          const length = index.lengths[document] ?? 0;
          const norm = tf + this.#k1 * (1 - this.#b + (this.#b * length) / average);
          const score = (weight * idf * tf * (this.#k1 + 1)) / norm;
          scores.set(document, (scores.get(document) ?? 0) + score);
        }
      }
    }
    return [...scores]
      .sort((left, right) => right[1] - left[1] || left[0] - right[0])
      .slice(0, k)
      .map(([document, score]) => ({ id: this.#ids[document] as string, score }));
  }

  #field(field: Field) {
    let index = this.#fields.get(field);
    if (index === undefined) {
      index = { postings: new Map(), lengths: [], total: 0 };
      this.#fields.set(field, index);
    }
    return index;
  }
}

/**
 * Words of code and prose, lower-cased: split on anything not a letter or digit, and inside words at
 * camelCase and letter-digit boundaries (`parseHTTPRequest2` → `parse`, `http`, `request`, `2`).
 * Single characters are dropped. At most `maxTokens` are returned.
 */
export function tokenize(text: string, maxTokens = Number.POSITIVE_INFINITY): string[] {
  const tokens: string[] = [];
  for (const word of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    for (const part of word[0].matchAll(/\p{Lu}+(?!\p{Ll})|\p{Lu}?\p{Ll}+|\p{N}+|[\p{L}\p{N}]+/gu)) {
      if (part[0].length < 2) continue;
      tokens.push(part[0].toLowerCase());
      if (tokens.length >= maxTokens) return tokens;
    }
  }
  return tokens;
}

/** A path's words: split on `/ . _ -` and camelCase (`src/agent/toolCall-runner.ts` → src agent tool call runner ts). */
export function pathTokens(path: string): string[] {
  return tokenize(path);
}
