import { UserError } from '../../spec/errors.ts';
import type { SearchPattern } from './search-pattern.ts';
import type { FileHits } from './search-results.ts';

/** Runs ripgrep in the searched root: its stdout lines, up to `maxLines` of them. */
export type RipgrepRunner = (
  args: readonly string[],
  limits: { timeoutMs: number; maxLines: number },
) => Promise<RipgrepOutput>;

export interface RipgrepOutput {
  lines: string[];
  /** ripgrep's exit code; `null` when it was stopped (the line cap, the timeout). */
  exitCode: number | null;
  stderr: string;
  timedOut: boolean;
}

export interface RipgrepSearch {
  pattern: SearchPattern;
  globs: readonly string[];
  contextLines: number;
  maxFileBytes: number;
  /** A relative path to search instead of the whole root (already checked to stay inside it). */
  under?: string;
}

/**
 * ripgrep's arguments for a search with the walk's rules: only the `.gitignore` files inside the root
 * (not `.ignore`, global or parent ones, with or without a `.git`), hidden files searched, `.git` and
 * `node_modules` skipped, links never followed, files over `maxFileBytes` skipped, files in path order.
 * (`--max-columns` has no effect with `--json`; long lines are cut after parsing.)
 */
export function ripgrepArguments(search: RipgrepSearch): string[] {
  const args = [
    '--json',
    '--no-config',
    '--no-follow',
    '--hidden',
    '--no-require-git',
    '--no-ignore-dot',
    '--no-ignore-exclude',
    '--no-ignore-global',
    '--no-ignore-parent',
    '--sort',
    'path',
    '--max-filesize',
    String(search.maxFileBytes),
    search.pattern.caseSensitive ? '--case-sensitive' : '--ignore-case',
  ];
  if (!search.pattern.regex) args.push('--fixed-strings');
  if (search.contextLines > 0) args.push('--context', String(search.contextLines));
  // The fixed exclusions come last: the last glob that matches decides, so no user glob revives them.
  for (const glob of [...search.globs, '!.git', '!node_modules']) args.push('--glob', glob);
  args.push('--regexp', search.pattern.text, '--', search.under ?? '.');
  return args;
}

/** Parsed `rg --json` output: files in ripgrep's order, and whether `maxMatches` cut it short. */
export function parseRipgrepOutput(
  output: RipgrepOutput,
  maxMatches: number,
): { files: FileHits[]; truncated: boolean } {
  const files: FileHits[] = [];
  let current: FileHits | undefined;
  let count = 0;
  let truncated = false;
  for (const line of output.lines) {
    const message = parseMessage(line);
    if (message === undefined) continue;
    if (message.type === 'begin') {
      current = { path: textOf(message.data.path).replace(/^\.\//, ''), hits: [], lines: new Map() };
      files.push(current);
      continue;
    }
    if (current === undefined || (message.type !== 'match' && message.type !== 'context')) continue;
    const text = withoutNewline(textOf(message.data.lines));
    const number = message.data.line_number;
    if (typeof number !== 'number') continue;
    current.lines.set(number, text);
    if (message.type === 'match') {
      if (count >= maxMatches) {
        truncated = true;
        break;
      }
      count += 1;
      const start = message.data.submatches?.[0]?.start ?? 0;
      current.hits.push({ line: number, column: utf16Offset(text, start) + 1 });
    }
  }
  if (output.exitCode === 2 && count === 0) {
    const problem = output.stderr.trim().split('\n').slice(0, 5).join('\n');
    if (/regex|parse error|syntax/i.test(problem)) {
      throw new UserError('usage', `ripgrep refused the pattern: ${problem}`);
    }
  }
  // Stopped at the line cap while matches were still coming: there may be more.
  if (output.exitCode === null && !output.timedOut && count > 0) truncated = true;
  return { files: files.filter((file) => file.hits.length > 0), truncated: truncated || output.timedOut };
}

interface RipgrepMessage {
  type: string;
  data: {
    path?: unknown;
    lines?: unknown;
    line_number?: unknown;
    submatches?: Array<{ start?: number }>;
  };
}

/** One line of ripgrep's output, or undefined when it is not a message (a line cut by a cap). */
function parseMessage(line: string): RipgrepMessage | undefined {
  if (line.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null) return undefined;
    const { type, data } = value as { type?: unknown; data?: unknown };
    if (typeof type !== 'string' || typeof data !== 'object' || data === null) return undefined;
    return { type, data: data as RipgrepMessage['data'] };
  } catch {
    return undefined;
  }
}

/** ripgrep writes `{text}` for UTF-8 and `{bytes}` (base64) for anything else; decoded as the fallback does. */
function textOf(value: unknown): string {
  if (typeof value !== 'object' || value === null) return '';
  const { text, bytes } = value as { text?: unknown; bytes?: unknown };
  if (typeof text === 'string') return text;
  if (typeof bytes === 'string') return Buffer.from(bytes, 'base64').toString('utf8');
  return '';
}

function withoutNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** The UTF-16 offset of a UTF-8 byte offset into `text`. */
function utf16Offset(text: string, byteOffset: number): number {
  if (byteOffset === 0) return 0;
  return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length;
}
