import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { EGRESS_UPSTREAM_PREFIX, type EgressUpstreamRoute } from '../egress-secrets.ts';
import { parseHost } from './egress-address.ts';
import { connectFirst, describeFailure, type EgressContext, startRecord } from './egress-context.ts';
import { decideEgress } from './egress-decide.ts';

/** Headers that belong to one hop and are never passed on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

type Record = ReturnType<typeof startRecord>;

/** Methods that only read: all a credentialed or read-only target lets through unless granted writes. */
const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Why a plain-HTTP request that would change something must be refused, or `null` when it may go:
 * the host is read-only (a registry group not granted writes), or the request carries a secret that
 * was not granted writes.
 */
function writeRefusal(
  context: EgressContext,
  method: string,
  host: string,
  port: number,
  request: IncomingMessage,
): string | null {
  if (READ_METHODS.has(method)) return null;
  if (context.readOnly.allows(host, port)) return `${method} refused: ${host} is read-only (GET and HEAD)`;
  const carried = [request.url ?? '', ...request.rawHeaders].join('\n');
  const secret = context.secrets.substitutions.find(
    (substitution) =>
      !substitution.allowWrite &&
      substitution.hosts.allows(host, port) &&
      carried.includes(substitution.placeholder),
  );
  return secret === undefined
    ? null
    : `${method} refused: a credentialed request may only read (GET and HEAD)`;
}

function refuse(response: ServerResponse, status: number, message: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = `warden egress proxy: ${message}\n`;
  response.writeHead(status, {
    'content-type': 'text/plain',
    'content-length': Buffer.byteLength(body),
    'x-warden-egress': 'refused',
  });
  response.end(body);
}

/** Raw header pairs minus hop-by-hop ones (and those the Connection header names), each value mapped. */
function passHeaders(
  rawHeaders: readonly string[],
  map: (value: string) => string,
  drop: readonly string[] = [],
) {
  const named = new Set<string>();
  for (let index = 0; index < rawHeaders.length; index += 2) {
    if (rawHeaders[index]!.toLowerCase() === 'connection') {
      for (const token of rawHeaders[index + 1]!.split(',')) named.add(token.trim().toLowerCase());
    }
  }
  const kept: string[] = [];
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.has(lower) || drop.includes(lower)) continue;
    kept.push(name, map(rawHeaders[index + 1]!));
  }
  return kept;
}

/** Replaces each placeholder whose hosts include `host:port` by its value. */
function substituter(context: EgressContext, host: string, port: number, alsoPlaceholder: string | null) {
  const active = context.secrets.substitutions.filter(
    (substitution) => substitution.placeholder === alsoPlaceholder || substitution.hosts.allows(host, port),
  );
  return (text: string) =>
    active.reduce(
      (current, substitution) =>
        current.includes(substitution.placeholder)
          ? current.replaceAll(substitution.placeholder, substitution.reveal())
          : current,
      text,
    );
}

/** Sends `outgoing` on its way with the client's body, relays the answer, and records the outcome. */
function relay(
  request: IncomingMessage,
  response: ServerResponse,
  outgoing: http.ClientRequest,
  record: Record,
  base: { host: string; port: number; decision: 'allow'; reason: string },
): void {
  let bytesUp = 0;
  let bytesDown = 0;
  let failure: string | undefined;
  const finish = () =>
    record.finish({ ...base, bytesUp, bytesDown, ...(failure === undefined ? {} : { error: failure }) });
  request.on('data', (chunk: Buffer) => {
    bytesUp += chunk.length;
  });
  request.pipe(outgoing);
  outgoing.on('error', (error) => {
    failure ??= describeFailure(error);
    refuse(response, 502, `could not reach ${base.host}:${base.port}: ${failure}`);
    finish();
  });
  outgoing.on('response', (answer) => {
    response.writeHead(
      answer.statusCode ?? 502,
      answer.statusMessage,
      passHeaders(answer.rawHeaders, (value) => value),
    );
    answer.on('data', (chunk: Buffer) => {
      bytesDown += chunk.length;
    });
    answer.on('error', (error) => {
      failure ??= describeFailure(error);
      response.destroy();
    });
    answer.pipe(response);
  });
  response.on('close', () => {
    if (!response.writableFinished) {
      failure ??= 'client went away';
      outgoing.destroy();
    }
    finish();
  });
}

/**
 * A plain-HTTP request from the sandbox: absolute-form (`GET http://host/path`) is decided by the
 * target's name, which the Host header must agree with; a path under `/_upstream/<name>/` (origin-form,
 * or absolute-form naming loopback, which is how a client that itself uses the proxy sends it) goes to
 * that credentialed upstream. Everything else is refused.
 */
export async function handleHttpRequest(
  context: EgressContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = request.method ?? 'GET';
  const record = startRecord(context, method);
  const target = request.url ?? '';
  const refused = (host: string, port: number, status: number, reason: string) => {
    record.finish({ host, port, decision: 'refuse', reason, bytesUp: 0, bytesDown: 0 });
    refuse(response, status, host === '' ? reason : `refused ${host}:${port}: ${reason}`);
    request.resume();
  };
  if (target.startsWith(EGRESS_UPSTREAM_PREFIX))
    return forwardToUpstream(context, request, response, record, target);
  if (!URL.canParse(target)) return refused('', 0, 400, 'not an absolute-form proxy request');
  const url = new URL(target);
  const host = parseHost(url.hostname);
  const hostName = host.kind === 'name' ? host.name : host.kind === 'address' ? host.address : url.hostname;
  if (url.protocol !== 'http:')
    return refused(hostName, 0, 400, 'only http:// in absolute form; use CONNECT for https');
  const port = url.port === '' ? 80 : Number(url.port);
  if (
    url.pathname.startsWith(EGRESS_UPSTREAM_PREFIX) &&
    (hostName === '127.0.0.1' || hostName === 'localhost')
  ) {
    return forwardToUpstream(context, request, response, record, `${url.pathname}${url.search}`);
  }
  if (url.username !== '' || url.password !== '')
    return refused(hostName, port, 400, 'credentials in the URL');
  const hostHeader = request.headers.host;
  const named =
    hostHeader === undefined || !URL.canParse(`http://${hostHeader}/`)
      ? null
      : new URL(`http://${hostHeader}/`);
  const headerHost = named === null ? null : parseHost(named.hostname);
  const headerName =
    headerHost?.kind === 'name'
      ? headerHost.name
      : headerHost?.kind === 'address'
        ? headerHost.address
        : null;
  const headerPort = named === null ? null : named.port === '' ? 80 : Number(named.port);
  if (headerName !== hostName || headerPort !== port) {
    return refused(hostName, port, 403, 'Host header does not match the request target');
  }
  const verdict = await decideEgress(hostName, port, context.allow, context.resolve, context.hold);
  if (verdict.decision === 'refuse') return refused(verdict.host, port, 403, verdict.reason);
  const readOnly = writeRefusal(context, method, verdict.host, port, request);
  if (readOnly !== null) return refused(verdict.host, port, 405, readOnly);
  const base = { host: verdict.host, port, decision: 'allow' as const, reason: 'on the allow-list' };
  let socket: Awaited<ReturnType<typeof connectFirst>>;
  try {
    socket = await connectFirst(context, verdict.addresses, port);
  } catch (error) {
    record.finish({ ...base, bytesUp: 0, bytesDown: 0, error: describeFailure(error) });
    refuse(response, 502, `could not reach ${verdict.host}:${port}: ${describeFailure(error)}`);
    request.resume();
    return;
  }
  const substitute = substituter(context, verdict.host, port, null);
  const headers = passHeaders(request.rawHeaders, substitute);
  headers.push('Host', hostHeader!);
  const outgoing = http.request({
    method,
    path: substitute(`${url.pathname}${url.search}`),
    headers,
    setHost: false,
    createConnection: () => socket,
  });
  relay(request, response, outgoing, record, base);
}

function forwardToUpstream(
  context: EgressContext,
  request: IncomingMessage,
  response: ServerResponse,
  record: Record,
  path: string,
): void {
  const rest = path.slice(EGRESS_UPSTREAM_PREFIX.length);
  const slash = rest.indexOf('/');
  const name = slash === -1 ? rest : rest.slice(0, slash);
  const route: EgressUpstreamRoute | undefined = context.secrets.upstreams.find(
    (upstream) => upstream.name === name,
  );
  const refuseUpstream = (reason: string, status = 403) => {
    record.finish({
      host: `upstream:${name}`,
      port: 0,
      decision: 'refuse',
      reason,
      bytesUp: 0,
      bytesDown: 0,
    });
    refuse(response, status, `upstream ${JSON.stringify(name)}: ${reason}`);
    request.resume();
  };
  if (route === undefined) {
    refuseUpstream('no such credentialed upstream');
    return;
  }
  const method = request.method ?? 'GET';
  if (!route.allowWrite && !READ_METHODS.has(method)) {
    refuseUpstream(
      `${method} refused: the upstream is read-only (GET and HEAD) unless granted allowWrite`,
      405,
    );
    return;
  }
  const suffix = slash === -1 ? '' : rest.slice(slash + 1);
  const joined = `${route.url.origin}${route.url.pathname}${suffix}`;
  const url = URL.canParse(joined) ? new URL(joined) : null;
  // `..`, `%2e%2e` or a `//host` trick must not leave the upstream's origin and base path.
  if (url === null || url.origin !== route.url.origin || !url.pathname.startsWith(route.url.pathname)) {
    refuseUpstream('path leaves the upstream');
    return;
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const base = {
    host: url.hostname,
    port,
    decision: 'allow' as const,
    reason: `credentialed upstream ${route.name}`,
  };
  const substitute = substituter(context, url.hostname, port, route.placeholder);
  const headers = passHeaders(request.rawHeaders, substitute, [route.header]);
  headers.push('Host', url.host);
  const credential = route.credential();
  if (credential !== null) headers.push(route.header, credential);
  const client = url.protocol === 'https:' ? https : http;
  const outgoing = client.request(url, {
    method: request.method,
    headers,
    setHost: false,
    timeout: context.idleTimeoutMs,
  });
  outgoing.on('socket', (socket) => {
    context.upstreamSockets.add(socket);
    socket.once('close', () => context.upstreamSockets.delete(socket));
  });
  outgoing.on('timeout', () => outgoing.destroy());
  relay(request, response, outgoing, record, base);
}
