import { ModelCallError } from '../model-call-error.ts';

/** Time limits of one HTTP call to a model vendor. */
export interface CallTimeouts {
  /** Milliseconds until the first byte of the response body; `undefined`: no such limit. */
  firstByteMs: number | undefined;
  /** Milliseconds for the whole call, the body read to its end. */
  totalMs: number;
  /** The config fields that set them, named in the error (`models."KEY".timeouts.firstByteMs`). */
  firstByteField: string;
  totalField: string;
}

/**
 * Wraps `fetch` so every call is cut when the response's first body byte is late or the whole call is:
 * the call is aborted with a retryable `ModelCallError` that names the limit and the config field. The
 * abort reason is the error itself, so it surfaces through the AI SDK (as the error, or as the cause of
 * its `APICallError`) and `mapModelError` finds it. An abort from the caller's own signal passes through.
 */
export function createTimedFetch(
  fetch: typeof globalThis.fetch,
  timeouts: CallTimeouts,
  label: string,
): typeof globalThis.fetch {
  return async (input, init) => {
    const controller = new AbortController();
    const outer = init?.signal ?? undefined;
    const forward = () => controller.abort(outer?.reason);
    if (outer?.aborted) forward();
    outer?.addEventListener('abort', forward, { once: true });
    const timers = new Set<NodeJS.Timeout>();
    const limit = (milliseconds: number, what: string, field: string) => {
      const timer = setTimeout(() => {
        controller.abort(
          new ModelCallError(`${label}: ${what} within ${milliseconds} ms (${field})`, { isRetryable: true }),
        );
      }, milliseconds);
      // The request's own socket keeps the process alive while it runs; a leftover timer must not.
      timer.unref();
      timers.add(timer);
      return timer;
    };
    const finish = () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      outer?.removeEventListener('abort', forward);
    };
    limit(timeouts.totalMs, 'the call did not finish', timeouts.totalField);
    const firstByte =
      timeouts.firstByteMs === undefined
        ? undefined
        : limit(timeouts.firstByteMs, 'no first byte of the reply', timeouts.firstByteField);
    const arrived = () => {
      if (firstByte === undefined) return;
      clearTimeout(firstByte);
      timers.delete(firstByte);
    };
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal: controller.signal });
    } catch (error) {
      finish();
      throw controller.signal.aborted && controller.signal.reason instanceof ModelCallError
        ? controller.signal.reason
        : error;
    }
    if (response.body === null) {
      finish();
      return response;
    }
    return new Response(watchBody(response.body, arrived, finish, controller.signal), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** The body, telling `arrived` of its first chunk and `finish` of its end, failure or cancel. */
function watchBody(
  body: ReadableStream<Uint8Array>,
  arrived: () => void,
  finish: () => void,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          finish();
          controller.close();
          return;
        }
        arrived();
        controller.enqueue(value);
      } catch (error) {
        finish();
        controller.error(signal.aborted && signal.reason instanceof ModelCallError ? signal.reason : error);
      }
    },
    async cancel(reason) {
      finish();
      await reader.cancel(reason);
    },
  });
}
