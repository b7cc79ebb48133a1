import { normaliseTerm, termsOf } from './code-terms.ts';

/** What a task's text says, read for localization. */
export interface TaskTerms {
  /** Index terms of the whole text, repeated as often as they occur (the BM25 query). */
  query: string[];
  /**
   * Names written the way code writes them: in backticks, camelCase, snake_case, kebab-case
   * (`no-var`), or called (`parse(`). Kept as written.
   */
  identifiers: Set<string>;
  /** Every word and identifier, normalised (`normaliseTerm`), for matching path segments and names. */
  words: Set<string>;
}

/** Read from the task text at most: a pasted log cannot make localization unbounded. */
const MAX_TASK_CHARS = 32 * 1024;
const CODE_SPAN = /`([^`\n]{1,200})`/g;
const NAME = /[A-Za-z_$][\w$]*(?:-[A-Za-z0-9]+)*/g;
const CALLED = /([A-Za-z_$][\w$]*)\s*\(/g;

const looksLikeCode = (name: string) =>
  /[a-z][A-Z]|_|\$/.test(name) || /^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$/.test(name);

/** The terms, identifiers and words of a task's text. */
export function taskTerms(task: string): TaskTerms {
  const text = task.slice(0, MAX_TASK_CHARS);
  const identifiers = new Set<string>();
  const add = (name: string) => {
    if (name.length >= 3) identifiers.add(name);
    // `c.req.param` and `no-var` are also their parts' names.
    for (const part of name.split(/[.-]/))
      if (part.length >= 3 && /[a-z][A-Z]|_/.test(part)) identifiers.add(part);
  };
  for (const span of text.matchAll(CODE_SPAN)) {
    for (const name of (span[1] as string).matchAll(NAME)) add(name[0]);
  }
  for (const name of text.matchAll(NAME)) if (looksLikeCode(name[0])) add(name[0]);
  for (const call of text.matchAll(CALLED)) add(call[1] as string);
  const query = termsOf(text);
  const words = new Set(query);
  for (const name of text.matchAll(NAME)) words.add(normaliseTerm(name[0]));
  return { query, identifiers, words };
}
