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
 * Strict argument parsing: an unknown flag or a missing value is a `UserError('usage')` that names the
 * command and points at its help.
 */
export function parseCommandArgs<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  positionals = 0,
) {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...options },
      strict: true,
      allowPositionals: true,
    });
    if (parsed.positionals.length > positionals) {
      throw new UserError(
        'usage',
        `warden ${command}: unexpected argument ${JSON.stringify(parsed.positionals[positionals])}`,
        {
          hint: `see \`warden ${command} --help\``,
        },
      );
    }
    return parsed;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError('usage', `warden ${command}: ${(error as Error).message}`, {
      hint: `see \`warden ${command} --help\``,
      cause: error,
    });
  }
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
