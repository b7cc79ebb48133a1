import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Paths git's smart HTTP protocol uses: `/OWNER/NAME.git/info/refs`, `…/git-upload-pack`. */
export const GIT_SMART_HTTP = /^\/[^/]+\/[^/]+\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;

/**
 * Serves one request of git's smart HTTP protocol from the bare repositories under `root`
 * (`ROOT/OWNER/NAME.git`) through the real `git http-backend` (CGI), fetches only, for tests: a request
 * without `Authorization: Basic` of `x-access-token:TOKEN` gets 401, a push 403. Answers what it served.
 */
export async function serveGit(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  settings: { root: string; token: string },
): Promise<string> {
  const url = new URL(incoming.url ?? '/', 'http://git.test');
  const expected = `Basic ${Buffer.from(`x-access-token:${settings.token}`).toString('base64')}`;
  if (incoming.headers.authorization !== expected) {
    incoming.resume();
    outgoing.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"' });
    outgoing.end('Bad credentials');
    return 'refused: bad credentials';
  }
  if (url.pathname.endsWith('git-receive-pack') || url.searchParams.get('service') === 'git-receive-pack') {
    incoming.resume();
    outgoing.writeHead(403);
    outgoing.end('read-only');
    return 'refused: push';
  }
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: settings.root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: incoming.method ?? 'GET',
      CONTENT_TYPE: incoming.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: incoming.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: String(incoming.headers['git-protocol'] ?? ''),
      REMOTE_USER: 'x-access-token',
      REMOTE_ADDR: '127.0.0.1',
      // GitHub lets a reachable commit be fetched by its id.
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'uploadpack.allowAnySHA1InWant',
      GIT_CONFIG_VALUE_0: 'true',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  incoming.pipe(child.stdin);
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.resume();
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
  const output = Buffer.concat(chunks);
  const split = output.indexOf('\r\n\r\n');
  const head = output.subarray(0, split).toString('latin1');
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') status = Number.parseInt(value, 10);
    else if (name) headers[name] = value;
  }
  outgoing.writeHead(status, headers);
  outgoing.end(output.subarray(split + 4));
  return `${status} ${url.pathname}`;
}
