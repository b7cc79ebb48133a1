import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { connectFirst, describeFailure, type EgressContext, startRecord } from './egress-context.ts';
import { decideEgress } from './egress-decide.ts';

/** `host:port` or `[v6]:port`, as in a CONNECT request line. */
export function parseAuthority(authority: string): { host: string; port: number } | null {
  const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(authority);
  if (!match) return null;
  return { host: match[1]!, port: Number(match[2]) };
}

/** Ends a client connection with a refusal the tool inside the sandbox can show its user. */
export function refuseRaw(socket: Duplex, status: string, message: string): void {
  const body = `warden egress proxy: ${message}\n`;
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\nX-Warden-Egress: refused\r\n\r\n${body}`,
  );
}

/**
 * An HTTPS (or any TCP) tunnel: decides the target by name, connects to the address it resolved,
 * answers `200` and relays bytes both ways, counting them; records the tunnel when both sides close.
 */
export async function handleConnect(
  context: EgressContext,
  request: IncomingMessage,
  client: Duplex,
  head: Buffer,
): Promise<void> {
  client.pause();
  const record = startRecord(context, 'CONNECT');
  client.on('error', () => client.destroy());
  const target = parseAuthority(request.url ?? '');
  if (target === null) {
    record.finish({
      host: '',
      port: 0,
      decision: 'refuse',
      reason: 'malformed CONNECT target',
      bytesUp: 0,
      bytesDown: 0,
    });
    refuseRaw(client, '400 Bad Request', 'malformed CONNECT target');
    return;
  }
  const verdict = await decideEgress(target.host, target.port, context.allow, context.resolve, context.hold);
  if (verdict.decision === 'refuse') {
    record.finish({
      host: verdict.host,
      port: target.port,
      decision: 'refuse',
      reason: verdict.reason,
      bytesUp: 0,
      bytesDown: 0,
    });
    refuseRaw(client, '403 Forbidden', `refused ${verdict.host}:${target.port}: ${verdict.reason}`);
    return;
  }
  const base = {
    host: verdict.host,
    port: target.port,
    decision: 'allow' as const,
    reason: 'on the allow-list',
  };
  if (client.destroyed) {
    record.finish({ ...base, bytesUp: 0, bytesDown: 0, error: 'client went away' });
    return;
  }
  let upstream: Awaited<ReturnType<typeof connectFirst>>;
  try {
    upstream = await connectFirst(context, verdict.addresses, target.port);
  } catch (error) {
    record.finish({ ...base, bytesUp: 0, bytesDown: 0, error: describeFailure(error) });
    refuseRaw(
      client,
      '502 Bad Gateway',
      `could not reach ${verdict.host}:${target.port}: ${describeFailure(error)}`,
    );
    return;
  }
  let bytesUp = head.length;
  let bytesDown = 0;
  let failure: string | undefined;
  const closed = Promise.all([
    new Promise((done) => client.once('close', done)),
    new Promise((done) => upstream.once('close', done)),
  ]);
  client.on('error', (error) => {
    failure ??= describeFailure(error);
    upstream.destroy();
  });
  upstream.on('error', (error) => {
    failure ??= describeFailure(error);
    client.destroy();
  });
  client.on('data', (chunk: Buffer) => {
    bytesUp += chunk.length;
  });
  upstream.on('data', (chunk: Buffer) => {
    bytesDown += chunk.length;
  });
  client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  if (head.length > 0) upstream.write(head);
  client.pipe(upstream);
  upstream.pipe(client);
  await closed;
  record.finish({ ...base, bytesUp, bytesDown, ...(failure === undefined ? {} : { error: failure }) });
}
