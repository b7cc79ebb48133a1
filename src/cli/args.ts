import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UserError } from '../spec/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  'data-dir': { type: 'string' },
  db: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/**
 * Strict argument parsing: an unknown flag, a missing value or an extra argument is a
 * `UserError('usage')` in Warden's words that names the command and points at its help (the command
 * line prints the command's usage under it).
 */
export function parseCommandArgs<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  positionals = 0,
) {
  const all = { ...COMMON_OPTIONS, ...options };
  const hint = `see \`warden ${command} --help\``;
  try {
    const parsed = parseArgs({ args: argv, options: all, strict: true, allowPositionals: true });
    if (parsed.positionals.length > positionals) {
      throw new UserError(
        'usage',
        `warden ${command}: unexpected argument ${JSON.stringify(parsed.positionals[positionals])}`,
        { hint },
      );
    }
    return parsed;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError('usage', `warden ${command}: ${parserProblem(error, all)}`, { hint, cause: error });
  }
}

/** Node's parser error retold: which flag, and what is wrong with it. */
function parserProblem(error: unknown, options: Options): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  const known = Object.keys(options)
    .sort()
    .map((name) => `--${name}`)
    .join(', ');
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = flag.replace(/^-+/, '');
    // A typo is an edit or two away; a short name one at most, or every flag would look close.
    const allowed = name.length > 4 ? 2 : 1;
    const near = Object.keys(options)
      .map((option) => ({ option, distance: editDistance(option, name) }))
      .filter(({ distance }) => distance <= allowed)
      .sort((first, second) => first.distance - second.distance)[0]?.option;
    const guess = near === undefined ? '' : `; did you mean --${near}?`;
    return `unknown option ${flag || message}${guess}; the options are ${known}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = flag.replace(/^-+/, '');
    const short = Object.entries(options).find(([, option]) => option.short === name)?.[0];
    const long = short ?? name;
    return options[long]?.type === 'boolean'
      ? `--${long} takes no value`
      : `--${long} needs a value, as in --${long} VALUE`;
  }
  return message;
}

/** Levenshtein distance: how many single-letter edits turn `from` into `to` (a typo is one or two). */
function editDistance(from: string, to: string): number {
  let previous = Array.from({ length: to.length + 1 }, (_, index) => index);
  for (let row = 1; row <= from.length; row++) {
    const current = [row];
    for (let column = 1; column <= to.length; column++) {
      const substitution = (previous[column - 1] as number) + (from[row - 1] === to[column - 1] ? 0 : 1);
      current[column] = Math.min(
        (previous[column] as number) + 1,
        (current[column - 1] as number) + 1,
        substitution,
      );
    }
    previous = current;
  }
  return previous[to.length] as number;
}

/** A number flag: absent is `undefined`; anything but a positive number is a usage error. */
export function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new UserError('usage', `--${flag} must be a positive number, got ${JSON.stringify(value)}`);
  }
  return number;
}

/** A whole-number flag: absent is `undefined`; anything but a positive integer is a usage error. */
export function positiveInteger(flag: string, value: string | undefined): number | undefined {
  const number = positiveNumber(flag, value);
  if (number !== undefined && !Number.isSafeInteger(number)) {
    throw new UserError('usage', `--${flag} must be a whole number, got ${JSON.stringify(value)}`);
  }
  return number;
}
