import { z } from 'zod';
import {
  createViewSearchableFiles,
  findSymbolWith,
  firstLookWith,
  type RipgrepRunner,
  searchTextWith,
  type TextSearchResult,
} from '../../context/index.ts';
import { WardenError } from '../../spec/errors.ts';
import { quote } from './command-tools.ts';
import type { ToolContext, ToolDefinition, ToolResult } from './tool.ts';

const SearchInput = z.strictObject({
  pattern: z.string().min(1).describe('Text to find; a regular expression when `regex` is true.'),
  regex: z.boolean().optional().describe('Treat the pattern as a regular expression (Rust/ripgrep syntax).'),
  case_sensitive: z.boolean().optional().describe('Default true.'),
  path: z.string().optional().describe('A directory or file to search, relative to the repository root.'),
  globs: z
    .array(z.string().min(1))
    .max(20)
    .optional()
    .describe('File globs such as "*.ts", "src/**", "!*.test.ts"; a "!" glob excludes.'),
  context: z.number().int().min(0).max(10).optional().describe('Lines shown before and after each match.'),
  page: z.number().int().min(1).optional().describe('Page of results, from 1.'),
});

const PAGE_SIZE = 50;
const NO_RIPGREP = 127;

export const searchTool: ToolDefinition<z.infer<typeof SearchInput>> = {
  name: 'search',
  description:
    'Search file contents (ignoring .gitignore’d files); prints path:line:column: text per match, with context lines and pages.',
  input: SearchInput,
  async run(input, context) {
    const options = {
      pattern: input.pattern,
      regex: input.regex,
      caseSensitive: input.case_sensitive,
      under: input.path,
      globs: input.globs,
      contextLines: input.context,
      page: input.page,
      pageSize: PAGE_SIZE,
      timeoutMs: context.commandTimeoutMs,
    };
    const files = createViewSearchableFiles(context.files);
    try {
      let absent = false;
      const ripgrep = sandboxRipgrep(context, () => {
        absent = true;
      });
      let result = await searchTextWith({ ripgrep, files }, options);
      if (absent) result = await searchTextWith({ files }, options);
      return { output: formatSearch(input.pattern, result), isError: false };
    } catch (error) {
      return failed('search', error);
    }
  },
};

/** ripgrep run inside the sandbox like any command; `onAbsent` hears when the sandbox has none. */
function sandboxRipgrep(context: ToolContext, onAbsent: () => void): RipgrepRunner {
  return async (args, limits) => {
    const command =
      `command -v rg >/dev/null 2>&1 || exit ${NO_RIPGREP}; ` +
      `{ rg ${args.map(quote).join(' ')}; echo "{\\"warden-exit\\":$?}"; } | head -n ${limits.maxLines + 1}`;
    const result = await context.exec(command, { timeoutMs: limits.timeoutMs });
    if (result.exitCode === NO_RIPGREP) {
      onAbsent();
      return { lines: [], exitCode: 1, stderr: '', timedOut: false };
    }
    const lines = result.stdout.split('\n');
    const last = lines.filter(Boolean).at(-1) ?? '';
    const exit = /^\{"warden-exit":(\d+)\}$/.exec(last);
    return {
      lines,
      exitCode: exit === null ? null : Number(exit[1]),
      stderr: result.stderr,
      timedOut: result.timedOut,
    };
  };
}

function formatSearch(pattern: string, result: TextSearchResult): string {
  if (result.total === 0) {
    return result.truncated
      ? `no matches for ${pattern} before the search was stopped`
      : `no matches for ${pattern}`;
  }
  const lines: string[] = [];
  for (const match of result.matches) {
    const first = match.line - match.before.length;
    for (const [index, text] of match.before.entries()) lines.push(`${match.path}-${first + index}- ${text}`);
    lines.push(`${match.path}:${match.line}:${match.column}: ${match.text}`);
    for (const [index, text] of match.after.entries())
      lines.push(`${match.path}-${match.line + 1 + index}- ${text}`);
    if (match.before.length + match.after.length > 0) lines.push('--');
  }
  const shown = `[${result.total}${result.truncated ? '+' : ''} matches]`;
  const next = result.nextPage === undefined ? '' : ` [more: page ${result.nextPage}]`;
  const cut = result.truncated ? ' [search stopped at its limit; narrow the pattern, path or globs]' : '';
  return `${lines.join('\n')}\n${shown}${next}${cut}`;
}

const FindSymbolInput = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(200)
    .describe('An identifier: a function, class, method, type or variable name.'),
  page: z.number().int().min(1).optional().describe('Page of results, from 1.'),
});

export const findSymbolTool: ToolDefinition<z.infer<typeof FindSymbolInput>> = {
  name: 'find_symbol',
  description: 'Find where a name is defined and where it is used, across the repository; definitions first.',
  input: FindSymbolInput,
  async run(input, context) {
    try {
      const result = await findSymbolWith(createViewSearchableFiles(context.files), input.name, {
        page: input.page,
        pageSize: PAGE_SIZE,
      });
      if (result.total === 0) return { output: `no definition or use of ${input.name}`, isError: false };
      const lines = result.locations.map((location) =>
        location.role === 'definition'
          ? `${location.path}:${location.line}-${location.endLine}: definition (${location.kind}): ${location.text}`
          : `${location.path}:${location.line}: use: ${location.text}`,
      );
      const next = result.nextPage === undefined ? '' : ` [more: page ${result.nextPage}]`;
      const summary = `[${result.definitions} definitions, ${result.total - result.definitions} uses${result.truncated ? ', more not searched' : ''}]`;
      return { output: `${lines.join('\n')}\n${summary}${next}`, isError: false };
    } catch (error) {
      return failed('find_symbol', error);
    }
  },
};

const FirstLookInput = z.strictObject({
  query: z
    .string()
    .min(1)
    .max(500)
    .describe('What you are looking for, in words: "retry budget reservation".'),
  limit: z.number().int().min(1).max(50).optional().describe('Files to list; default 10.'),
});

export const firstLookTool: ToolDefinition<z.infer<typeof FirstLookInput>> = {
  name: 'first_look',
  description: 'List the files most relevant to a description (ranked by path, defined names and content).',
  input: FirstLookInput,
  async run(input, context) {
    try {
      const ranked = await firstLookWith(createViewSearchableFiles(context.files), input.query, {
        k: input.limit ?? 10,
      });
      if (ranked.length === 0) return { output: `no file matches ${input.query}`, isError: false };
      return { output: ranked.map((file) => `${file.path}  (${file.score})`).join('\n'), isError: false };
    } catch (error) {
      return failed('first_look', error);
    }
  },
};

function failed(tool: string, error: unknown): ToolResult {
  if (error instanceof WardenError) return { output: `${tool} failed: ${error.message}`, isError: true };
  throw error;
}
