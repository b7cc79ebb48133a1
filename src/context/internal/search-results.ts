/** One file's matching lines, as an engine found them. */
export interface FileHits {
  path: string;
  /** Matching lines: 1-based line number, 1-based column (UTF-16 code units) of the first match. */
  hits: Array<{ line: number; column: number }>;
  /** The text of every matching line and of the context lines around them, by 1-based line number. */
  lines: Map<number, string>;
}

/** One matching line, with the lines around it. */
export interface TextMatch {
  /** Relative to the searched root, `/`-separated. */
  path: string;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units, of the line's first match. */
  column: number;
  /** The line, cut to a window around the match when it is long (a minified file's one line). */
  text: string;
  before: string[];
  after: string[];
}

/** Longest line text a match carries; a longer line is cut around the match. */
export const MAX_LINE_CHARS = 400;

export function toMatches(file: FileHits, contextLines: number): TextMatch[] {
  return file.hits.map(({ line, column }) => {
    const before: string[] = [];
    const after: string[] = [];
    for (let number = Math.max(1, line - contextLines); number < line; number += 1) {
      const text = file.lines.get(number);
      if (text !== undefined) before.push(cut(text, 1));
    }
    for (let number = line + 1; number <= line + contextLines; number += 1) {
      const text = file.lines.get(number);
      if (text === undefined) break;
      after.push(cut(text, 1));
    }
    return { path: file.path, line, column, text: cut(file.lines.get(line) ?? '', column), before, after };
  });
}

/** The line, or a window of it around `column` marked with `…` where it was cut. */
function cut(text: string, column: number): string {
  if (text.length <= MAX_LINE_CHARS) return text;
  const start = Math.max(0, Math.min(column - 1 - MAX_LINE_CHARS / 4, text.length - MAX_LINE_CHARS));
  const window = text.slice(start, start + MAX_LINE_CHARS);
  return `${start > 0 ? '…' : ''}${window}${start + MAX_LINE_CHARS < text.length ? '…' : ''}`;
}

/**
 * The order both engines report files in: ripgrep's `--sort path`, a walk that visits each directory's
 * entries sorted by name (so `a/b.ts` comes before `a.ts`, unlike a plain sort of whole paths).
 */
export function comparePathSegments(left: string, right: string): number {
  const leftParts = left.split('/');
  const rightParts = right.split('/');
  const shared = Math.min(leftParts.length, rightParts.length);
  for (let index = 0; index < shared; index += 1) {
    const a = leftParts[index] as string;
    const b = rightParts[index] as string;
    if (a !== b) return a < b ? -1 : 1;
  }
  return leftParts.length - rightParts.length;
}
