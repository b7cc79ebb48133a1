import { UserError } from '../../spec/errors.ts';

/** What both engines search for: a pattern in ripgrep's dialect and its JavaScript twin. */
export interface SearchPattern {
  /** The pattern as the user wrote it (ripgrep takes it with `-F` when it is not a regex). */
  text: string;
  regex: boolean;
  caseSensitive: boolean;
  /** The same pattern for JavaScript, without the `g` flag (one line is matched at a time). */
  javascript: RegExp;
}

// Constructs ripgrep's (Rust) regex dialect refuses, which JavaScript would accept: refused here as
// well, so both engines accept the same patterns. They are also the constructs that can backtrack
// without bound in JavaScript.
const UNSUPPORTED: ReadonlyArray<[RegExp, string]> = [
  [/\(\?<?[=!]/, 'look-around'],
  [/\\[1-9]|\\k</, 'back-references'],
];

/**
 * Checks and compiles a search pattern. Throws a `usage` error for an invalid regular expression or one
 * using look-around or back-references (ripgrep's default engine has neither).
 */
export function compileSearchPattern(text: string, regex: boolean, caseSensitive: boolean): SearchPattern {
  if (text.length === 0) throw new UserError('usage', 'the search pattern is empty');
  if (text.includes('\n')) {
    throw new UserError('usage', 'the search pattern spans lines; search matches one line at a time');
  }
  const flags = caseSensitive ? '' : 'i';
  if (!regex) {
    return { text, regex, caseSensitive, javascript: new RegExp(escapeRegExp(text), flags) };
  }
  for (const [construct, name] of UNSUPPORTED) {
    if (construct.test(text.replace(/\\\\/g, ''))) {
      throw new UserError('usage', `the pattern uses ${name}, which the search engine does not support`);
    }
  }
  try {
    return { text, regex, caseSensitive, javascript: new RegExp(text, flags) };
  } catch (error) {
    throw new UserError('usage', `invalid regular expression ${JSON.stringify(text)}`, { cause: error });
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
