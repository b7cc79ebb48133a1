import path from 'node:path';
import { UserError } from '../../spec/errors.ts';
import { type Localization, localizeRepository } from '../../warden/index.ts';
import { parseCommandArgs, positiveInteger } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';

export const CONTEXT_LOCALIZE_HELP = `warden context localize --repo DIR --task TEXT [--k N] [--json]

  --repo DIR    the repository (nothing outside it is read; links are not followed)
  --task TEXT   the task, e.g. a bug report as a user wrote it
  --k N         files to list (default 10)
  --json        print {files: [{path, score, symbols: [{name, kind, line, endLine}]}]}

Ranks the repository's files for the task: BM25 over paths and contents picks candidates, which are
scored by the names the task writes as code that they define, the path segments it names and the
repository map's PageRank; tests and docs count less. Each file lists its definitions that best match
the task, with line ranges. The word index and tags are cached under <data-dir>/cache/context/.
`;

/** `warden context localize …`. */
export async function contextLocalizeCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('context localize', argv, {
    repo: { type: 'string' },
    task: { type: 'string' },
    k: { type: 'string' },
  });
  if (values.help) {
    io.out(CONTEXT_LOCALIZE_HELP);
    return EXIT.ok;
  }
  if (values.repo === undefined || values.task === undefined) {
    throw new UserError('usage', 'warden context localize: --repo DIR and --task TEXT are required', {
      hint: 'see `warden context localize --help`',
    });
  }
  const started = performance.now();
  const result = await localizeRepository({
    repo: path.resolve(io.cwd, values.repo),
    task: values.task,
    k: positiveInteger('k', values.k),
    dataDir: values['data-dir'],
    env: io.env,
  });
  const elapsed = Math.round(performance.now() - started);
  if (values.json) io.out(`${JSON.stringify({ files: result.files })}\n`);
  else io.out(describeFiles(result));
  io.err(
    `warden context localize: ${result.considered} files considered in ${elapsed} ms (index ${result.cached ? 'from the cache' : 'built'})\n`,
  );
  return EXIT.ok;
}

function describeFiles(result: Localization): string {
  if (result.files.length === 0) return 'no file matches the task\n';
  return result.files
    .map((file, index) => {
      const symbols = file.symbols.map(
        (symbol) => `    ${symbol.kind} ${symbol.name}  lines ${symbol.line}–${symbol.endLine}`,
      );
      return [`${index + 1}. ${file.path}  (${file.score.toFixed(3)})`, ...symbols].join('\n');
    })
    .join('\n')
    .concat('\n');
}
