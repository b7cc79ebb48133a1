import { SystemError, WardenError } from '../../spec/errors.ts';

/** Error codes of PostgreSQL (SQLSTATE) and of the socket that say the server could not be reached. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const HINTS: Record<string, string> = {
  '3D000': 'create the database first (createdb NAME), or fix its name in the URL',
  '28P01': 'check the user name and password in the URL',
  '28000': "the server's pg_hba.conf does not let this user in from here",
  '57P03': 'the server is starting up or shutting down; try again in a moment',
};

/** The URL with any password replaced, fit for an error message. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}

/**
 * A failure of the PostgreSQL store as a `SystemError('store-failed')` saying what failed and, for a
 * server that cannot be reached or refuses us, how to fix it. A `WardenError` passes through unchanged.
 */
export function pgFailure(error: unknown, what: string, url: string): WardenError {
  if (error instanceof WardenError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message || String(error);
  if (UNREACHABLE.has(code) || /timeout|terminat|Connection ended/i.test(message)) {
    return new SystemError(
      'store-failed',
      `${what}: cannot reach PostgreSQL at ${redactUrl(url)}: ${message}`,
      {
        cause: error,
        isRetryable: true,
        hint: 'is the server running and the host, port or socket directory in the URL right? (--db or WARDEN_DATABASE_URL)',
      },
    );
  }
  const hint = HINTS[code];
  return new SystemError('store-failed', `${what}: ${message}${code ? ` (${code})` : ''}`, {
    cause: error,
    ...(hint ? { hint } : {}),
  });
}
