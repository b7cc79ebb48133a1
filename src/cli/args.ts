import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UserError } from '../spec/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  'data-dir': { type: 'string' },
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
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return `unknown option ${flag || message}; the options are ${known}`;
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
