import { createHash } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { BatchBook } from '../../spec/batches.ts';

/** How a batch-backed model client waits. */
export interface BatchSettings {
  /** Where waits are recorded, so a restarted process polls the batch it already paid for. */
  book: BatchBook;
  /** First wait between polls; doubled up to `maxPollMs`. Default 2 000. */
  pollMs?: number;
  /** Longest wait between polls. Default 60 000. */
  maxPollMs?: number;
  /** Waits; default a timer that honours the abort signal. */
  sleep?: (milliseconds: number, signal: AbortSignal | undefined) => Promise<void>;
}

type Vendor = 'anthropic' | 'openai';
type Fetch = typeof globalThis.fetch;

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/**
 * A `fetch` for the AI SDK's vendor provider that sends each model call through the vendor's batch API
 * instead: the call's exact request body (built by the SDK) becomes a one-request batch (Anthropic
 * Message Batches; OpenAI Files + Batch), recorded in the book before any wait, polled with backoff
 * until it ends, and its result handed back as if it were the synchronous response, so the SDK parses
 * it as usual. A request that failed in the batch comes back as the vendor's error status and body; an
 * expired or cancelled batch as a 504 saying so. Every other request passes through untouched.
 */
export function createBatchFetch(vendor: Vendor, base: Fetch, settings: BatchSettings): Fetch {
  const sleep = settings.sleep ?? ((milliseconds, signal) => sleepFor(milliseconds, undefined, { signal }));
  const pollMs = settings.pollMs ?? 2000;
  const maxPollMs = settings.maxPollMs ?? 60_000;
  const { path, submit, poll } = PROTOCOLS[vendor];

  return (async (input: Parameters<Fetch>[0], init?: Parameters<Fetch>[1]) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if ((init?.method ?? 'GET') !== 'POST' || !url.pathname.endsWith(path)) return base(input, init);
    const body = String(init?.body ?? '');
    const root = url.href.slice(0, url.href.length - path.length - url.search.length);
    const headers = new Headers(init?.headers);
    headers.delete('content-length');
    const signal = init?.signal ?? undefined;
    const requestHash = createHash('sha256').update(body).digest('hex');
    const call = (target: string, options: RequestInit = {}) =>
      base(target, { ...options, headers: options.headers ?? headers, signal });

    let batchId = (await settings.book.waiting(requestHash))?.batchId;
    if (batchId === undefined) {
      const submitted = await submit(call, root, headers, requestHash, body);
      if (!submitted.ok) return submitted;
      batchId = String(((await submitted.json()) as { id: string }).id);
      await settings.book.submitted({ requestHash, vendor, batchId });
    }
    for (let wait = pollMs; ; wait = Math.min(wait * 2, maxPollMs)) {
      const answer = await poll(call, root, batchId, requestHash);
      if (answer) {
        await settings.book.ended(requestHash);
        return answer;
      }
      await sleep(wait, signal);
    }
  }) as Fetch;
}

type Call = (target: string, options?: RequestInit) => Promise<Response>;

async function submitAnthropic(call: Call, root: string, _headers: Headers, customId: string, body: string) {
  return await call(`${root}/messages/batches`, {
    method: 'POST',
    body: JSON.stringify({ requests: [{ custom_id: customId, params: JSON.parse(body) }] }),
  });
}

/** The result when the batch has ended; `undefined` while it runs. */
async function pollAnthropic(call: Call, root: string, id: string, customId: string) {
  const status = await call(`${root}/messages/batches/${id}`);
  if (!status.ok) return status;
  const batch = (await status.json()) as { processing_status: string; results_url: string | null };
  if (batch.processing_status !== 'ended') return undefined;
  const results = await call(batch.results_url ?? `${root}/messages/batches/${id}/results`);
  if (!results.ok) return results;
  const line = findLine(await results.text(), customId) as
    | { result: { type: string; message?: unknown; error?: { error?: unknown } & Record<string, unknown> } }
    | undefined;
  const result = line?.result;
  if (result?.type === 'succeeded') return json(result.message);
  if (result?.type === 'errored') {
    const error = result.error?.error ?? result.error;
    const kind = (error as { type?: string } | undefined)?.type ?? '';
    return json({ type: 'error', error }, kind === 'invalid_request_error' ? 400 : 500);
  }
  return json(
    {
      type: 'error',
      error: { type: 'api_error', message: `batch ${id}: the request ${result?.type ?? 'is missing'}` },
    },
    504,
  );
}

async function submitOpenAi(call: Call, root: string, headers: Headers, customId: string, body: string) {
  const line = JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: JSON.parse(body),
  });
  const form = new FormData();
  form.append('purpose', 'batch');
  form.append('file', new Blob([`${line}\n`], { type: 'application/jsonl' }), 'warden-batch.jsonl');
  const upload = new Headers(headers);
  upload.delete('content-type');
  const file = await call(`${root}/files`, { method: 'POST', body: form, headers: upload });
  if (!file.ok) return file;
  const { id } = (await file.json()) as { id: string };
  return await call(`${root}/batches`, {
    method: 'POST',
    body: JSON.stringify({ input_file_id: id, endpoint: '/v1/chat/completions', completion_window: '24h' }),
  });
}

async function pollOpenAi(call: Call, root: string, id: string, customId: string) {
  const status = await call(`${root}/batches/${id}`);
  if (!status.ok) return status;
  const batch = (await status.json()) as {
    status: string;
    output_file_id?: string | null;
    error_file_id?: string | null;
  };
  if (['validating', 'in_progress', 'finalizing'].includes(batch.status)) return undefined;
  for (const file of [batch.output_file_id, batch.error_file_id]) {
    if (!file) continue;
    const content = await call(`${root}/files/${file}/content`);
    if (!content.ok) return content;
    const line = findLine(await content.text(), customId) as
      | { response?: { status_code: number; body: unknown }; error?: { message?: string } | null }
      | undefined;
    if (line?.response) return json(line.response.body, line.response.status_code);
    if (line?.error) return json({ error: { message: line.error.message, type: 'server_error' } }, 500);
  }
  return json(
    { error: { message: `batch ${id} ${batch.status} without a result`, type: 'server_error' } },
    504,
  );
}

/** Each vendor's synchronous endpoint, and how a call to it is submitted as a batch and polled. */
const PROTOCOLS = {
  anthropic: { path: '/messages', submit: submitAnthropic, poll: pollAnthropic },
  openai: { path: '/chat/completions', submit: submitOpenAi, poll: pollOpenAi },
} as const;

function findLine(text: string, customId: string): unknown {
  for (const line of text.split('\n')) {
    let parsed: { custom_id?: string } | undefined;
    try {
      parsed = JSON.parse(line) as { custom_id?: string };
    } catch {
      continue; // a garbled line is not ours; a missing result is reported as such
    }
    if (parsed?.custom_id === customId) return parsed;
  }
  return undefined;
}
