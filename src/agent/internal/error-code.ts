import { WardenError } from '../../spec/errors.ts';

/** The error's code for the journal; `unknown` for anything that is not one of Warden's errors. */
export function errorCode(error: unknown): string {
  return error instanceof WardenError ? error.code : 'unknown';
}
