import path from 'node:path';
import { UserError } from '../../spec/errors.ts';
import { mapRepository, type RepoMap } from '../../warden/index.ts';
import { parseCommandArgs, positiveInteger } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { contextLocalizeCommand } from './context-localize.ts';
import { contextSearchCommand } from './context-search.ts';

export const CONTEXT_HELP = `warden context <subcommand> [options]

  map       the repository map a model gets: the files and definitions that matter most for a task
  search    search the repository's code
  localize  the files and functions a task most likely has to change

warden context map --repo DIR [--task TEXT] [--read FILE,…] [--tokens N] [--json]

  --repo DIR      the repository (nothing outside it is read; links are not followed)
  --task TEXT     the task: identifiers and file paths in it rank what defines or names them first
  --read FILE,…   files already read or edited (relative to DIR): what they use ranks higher
  --tokens N      the map's budget in tokens, counted as characters / 4 (default 1024)

Tags come from tree-sitter grammars (TypeScript, TSX, JavaScript, Python, Go, Rust, Java) and from the
text for other languages; they are cached by content under <data-dir>/cache/context/, so a second map
parses only what changed. Statistics go to stderr; --json prints the ranked files, the definitions shown,
the map and its statistics.
`;

/** `warden context …`. */
export async function contextCommand(argv: string[], io: CommandIo): Promise<number> {
  const [subcommand, ...rest] = argv;
  switch (subcommand) {
    case 'map':
      return await mapCommand(rest, io);
    case 'search':
      return await contextSearchCommand(rest, io);
    case 'localize':
      return await contextLocalizeCommand(rest, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(CONTEXT_HELP);
      return subcommand === undefined ? EXIT.usage : EXIT.ok;
    default:
      throw new UserError('usage', `warden context: unknown subcommand ${JSON.stringify(subcommand)}`, {
        hint: 'see `warden context --help`',
      });
  }
}

/** Files in `--json`: the top of the ranking is what a reader wants; the rest is counted. */
const JSON_FILES = 200;

async function mapCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('context map', argv, {
    repo: { type: 'string' },
    task: { type: 'string' },
    read: { type: 'string' },
    tokens: { type: 'string' },
  });
  if (values.help) {
    io.out(CONTEXT_HELP);
    return EXIT.ok;
  }
  if (values.repo === undefined) {
    throw new UserError('usage', 'warden context map: --repo DIR is required', {
      hint: 'see `warden context --help`',
    });
  }
  const started = performance.now();
  const map = await mapRepository({
    repo: path.resolve(io.cwd, values.repo),
    task: values.task,
    filesRead: values.read
      ?.split(',')
      .map((file) => file.trim())
      .filter((file) => file !== ''),
    tokens: positiveInteger('tokens', values.tokens),
    dataDir: values['data-dir'],
    env: io.env,
  });
  const elapsed = Math.round(performance.now() - started);
  if (values.json) {
    io.out(`${JSON.stringify({ ...map, files: map.files.slice(0, JSON_FILES), milliseconds: elapsed })}\n`);
  } else {
    io.out(map.text);
  }
  io.err(`${describeStats(map, elapsed)}\n`);
  return EXIT.ok;
}

function describeStats(map: RepoMap, milliseconds: number): string {
  const { stats } = map;
  const parts = [
    `${stats.files} files mapped in ${milliseconds} ms`,
    `${stats.parsed} tagged, ${stats.cached} from the cache`,
    `${stats.textFallback} from text`,
  ];
  if (stats.skipped > 0) parts.push(`${stats.skipped} skipped`);
  if (stats.truncated) parts.push('the walk stopped at its file limit');
  return `warden context map: ${parts.join('; ')}; ${map.definitions.length} definitions in ${map.tokens} tokens`;
}
