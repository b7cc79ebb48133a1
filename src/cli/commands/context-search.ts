import path from 'node:path';
import { UserError } from '../../spec/errors.ts';
import { type ContextSearchReport, searchRepository } from '../../warden/index.ts';
import { parseCommandArgs, positiveInteger } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';

export const CONTEXT_SEARCH_HELP = `warden context search --repo DIR PATTERN [options]
warden context search --repo DIR --symbol NAME [--page N] [--json]

  --repo DIR      the repository (nothing outside it is read; links are not followed)
  --regex         PATTERN is a regular expression (ripgrep's syntax: no look-around, no back-references)
  --glob G        only files matching G (repeatable; "!G" excludes): *.ts, src/**, !*.test.ts
  --context N     lines shown before and after each match (at most 10)
  --page N        page of results (50 per page)
  --symbol NAME   the definitions and uses of NAME instead of a text search
  --json          the page as JSON

Files ignored by the repository's .gitignore files, binary files, files over 1 MB, .git and
node_modules are skipped. Uses ripgrep (Debian's ripgrep package) when rg is on the PATH, else a
JavaScript engine with the same results.
`;

/** `warden context search …`. */
export async function contextSearchCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'context search',
    argv,
    {
      repo: { type: 'string' },
      regex: { type: 'boolean' },
      glob: { type: 'string', multiple: true },
      context: { type: 'string' },
      page: { type: 'string' },
      symbol: { type: 'string' },
    },
    1,
  );
  if (values.help) {
    io.out(CONTEXT_SEARCH_HELP);
    return EXIT.ok;
  }
  if (values.repo === undefined) {
    throw new UserError('usage', 'warden context search: --repo DIR is required', {
      hint: 'see `warden context search --help`',
    });
  }
  const context = values.context === undefined ? undefined : Number(values.context);
  if (context !== undefined && !(Number.isInteger(context) && context >= 0)) {
    throw new UserError('usage', `--context must be a whole number, got ${JSON.stringify(values.context)}`);
  }
  const report = await searchRepository({
    repo: path.resolve(io.cwd, values.repo),
    pattern: positionals[0],
    regex: values.regex,
    globs: values.glob,
    contextLines: context,
    page: positiveInteger('page', values.page),
    symbol: values.symbol,
  });
  if (values.json) io.out(`${JSON.stringify(report)}\n`);
  else io.out(render(report));
  io.err(`${summary(report)}\n`);
  return EXIT.ok;
}

function render(report: ContextSearchReport): string {
  const lines: string[] = [];
  if (report.kind === 'symbol') {
    for (const location of report.result.locations) {
      const role = location.role === 'definition' ? `definition (${location.kind})` : 'use';
      lines.push(`${location.path}:${location.line}: ${role}: ${location.text}`);
    }
  } else {
    for (const match of report.result.matches) {
      const first = match.line - match.before.length;
      for (const [index, text] of match.before.entries())
        lines.push(`${match.path}-${first + index}-${text}`);
      lines.push(`${match.path}:${match.line}:${match.column}:${match.text}`);
      for (const [index, text] of match.after.entries())
        lines.push(`${match.path}-${match.line + 1 + index}-${text}`);
      if (match.before.length + match.after.length > 0) lines.push('--');
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function summary(report: ContextSearchReport): string {
  const { result } = report;
  const what =
    report.kind === 'symbol'
      ? `${report.result.definitions} definitions and ${result.total - report.result.definitions} uses of ${report.symbol}`
      : `${result.total} matches (${report.result.engine})`;
  const more = result.truncated ? '; stopped at a limit, there may be more' : '';
  const next = result.nextPage === undefined ? '' : `; next: --page ${result.nextPage}`;
  return `warden context search: ${what}${more}${next}`;
}
