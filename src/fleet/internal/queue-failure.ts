import { SystemError, WardenError } from '../../spec/errors.ts';

/** Socket error codes and messages that say PostgreSQL could not be reached (worth trying again). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** The URL with any password replaced, fit for an error message. */
export function redactQueueUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
}

/**
 * A failure of the job queue's PostgreSQL work as a `SystemError('store-failed')` saying what failed;
 * retryable when the server could not be reached. A `WardenError` passes through unchanged.
 */
export function queueFailure(error: unknown, what: string, url: string): WardenError {
  if (error instanceof WardenError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message || String(error);
  const unreachable = UNREACHABLE.has(code) || /timeout|terminat|Connection ended/i.test(message);
  return new SystemError(
    'store-failed',
    `${what}: ${unreachable ? `cannot reach PostgreSQL at ${redactQueueUrl(url)}: ` : ''}${message}${code && !unreachable ? ` (${code})` : ''}`,
    {
      cause: error,
      isRetryable: unreachable,
      ...(unreachable ? { hint: 'is the server running and the URL right?' } : {}),
    },
  );
}
