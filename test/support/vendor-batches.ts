import type { RecordedRequest, VendorReply } from './vendor-server.ts';

/**
 * The batch APIs of the local vendor server: Anthropic Message Batches (`POST /v1/messages/batches`,
 * `GET …/{id}`, `GET …/{id}/results`) and OpenAI Files + Batch (`POST /v1/files`, `POST /v1/batches`,
 * `GET /v1/batches/{id}`, `GET /v1/files/{id}/content`). A batch ends after `pollsBeforeEnd` status
 * polls; each request in it is answered by `answer` (its body is the vendor's synchronous reply), or
 * fails as `outcome` says. Plug `handler` into `VendorServer.respond`.
 */
export function vendorBatches(options: {
  /** The synchronous reply body for one request's params. */
  answer: (params: unknown) => unknown;
  /** Status polls that see the batch still running. Default 1. */
  pollsBeforeEnd?: number;
  /** `succeeded` (default), `errored` or `expired`. */
  outcome?: 'succeeded' | 'errored' | 'expired';
}) {
  const batches = new Map<string, { polls: number; lines: Array<{ custom_id: string; params: unknown }> }>();
  const files = new Map<string, string>();
  let created = 0;
  const json = (body: unknown, status = 200): VendorReply => ({ kind: 'json', status, body });
  const jsonl = (lines: unknown[]): VendorReply => ({
    kind: 'text',
    body: `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`,
    contentType: 'application/jsonl',
  });
  const ended = (id: string) => {
    const batch = batches.get(id)!;
    batch.polls += 1;
    return batch.polls > (options.pollsBeforeEnd ?? 1);
  };
  const outcome = options.outcome ?? 'succeeded';

  const handler = (request: RecordedRequest): VendorReply | undefined => {
    const { method, path } = request;
    // Anthropic
    if (method === 'POST' && path === '/v1/messages/batches') {
      const id = `msgbatch_${++created}`;
      const { requests } = request.body as { requests: Array<{ custom_id: string; params: unknown }> };
      batches.set(id, { polls: 0, lines: requests });
      return json({ id, type: 'message_batch', processing_status: 'in_progress', results_url: null });
    }
    const anthropic = path.match(/^\/v1\/messages\/batches\/([^/]+)(\/results)?$/);
    if (method === 'GET' && anthropic && batches.has(anthropic[1]!)) {
      const id = anthropic[1]!;
      if (!anthropic[2]) {
        const done = ended(id);
        return json({
          id,
          type: 'message_batch',
          processing_status: done ? 'ended' : 'in_progress',
          results_url: null,
        });
      }
      return jsonl(
        batches.get(id)!.lines.map((line) => ({
          custom_id: line.custom_id,
          result:
            outcome === 'succeeded'
              ? { type: 'succeeded', message: options.answer(line.params) }
              : outcome === 'errored'
                ? {
                    type: 'errored',
                    error: {
                      type: 'error',
                      error: { type: 'invalid_request_error', message: 'prompt is too long' },
                    },
                  }
                : { type: 'expired' },
        })),
      );
    }
    // OpenAI
    if (method === 'POST' && path === '/v1/files') {
      const id = `file-${files.size + 1}`;
      const text = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      files.set(
        id,
        text
          .split(/\r?\n/)
          .filter((line) => line.startsWith('{"custom_id"'))
          .join('\n'),
      );
      return json({ id, object: 'file', purpose: 'batch' });
    }
    if (method === 'POST' && path === '/v1/batches') {
      const id = `batch_${++created}`;
      const { input_file_id: input } = request.body as { input_file_id: string };
      const lines = (files.get(input) ?? '')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { custom_id: string; body: unknown })
        .map((line) => ({ custom_id: line.custom_id, params: line.body }));
      batches.set(id, { polls: 0, lines });
      return json({ id, object: 'batch', status: 'validating' });
    }
    const openai = path.match(/^\/v1\/batches\/([^/]+)$/);
    if (method === 'GET' && openai && batches.has(openai[1]!)) {
      const id = openai[1]!;
      if (!ended(id)) return json({ id, object: 'batch', status: 'in_progress' });
      if (outcome === 'expired') return json({ id, object: 'batch', status: 'expired' });
      files.set(`out-${id}`, id);
      return json({ id, object: 'batch', status: 'completed', output_file_id: `out-${id}` });
    }
    const content = path.match(/^\/v1\/files\/out-([^/]+)\/content$/);
    if (method === 'GET' && content && batches.has(content[1]!)) {
      return jsonl(
        batches.get(content[1]!)!.lines.map((line) => ({
          id: `response-${line.custom_id.slice(0, 8)}`,
          custom_id: line.custom_id,
          response:
            outcome === 'succeeded'
              ? { status_code: 200, body: options.answer(line.params) }
              : {
                  status_code: 400,
                  body: { error: { message: 'prompt is too long', type: 'invalid_request_error' } },
                },
          error: null,
        })),
      );
    }
    return undefined;
  };
  return {
    handler,
    /** Batches created so far, across both vendors. */
    get created() {
      return created;
    },
  };
}
