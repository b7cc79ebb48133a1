import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCredentialBroker } from '../credentials/index.ts';
import { GitHubForge } from '../forge/index.ts';
import { GIT_SMART_HTTP, serveGit } from './git-http-backend.ts';

/** One request the fake GitHub received. */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  /** The `Accept` header (`application/vnd.github.diff` asks for a diff). */
  accept: string | undefined;
  body: unknown;
}

/** A reply: status and JSON body, or (with `contentType`) the body as text. */
export type Reply = { status: number; body: unknown; contentType?: string };

export type Route = (request: RecordedRequest, match: RegExpMatchArray) => Reply;

/**
 * A local stand-in for the GitHub REST API on 127.0.0.1 (port 0), for tests: it answers the routes it is
 * given and records every request it received.
 */
export interface GitHubTestServer {
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * `git`: also serve git's smart HTTP protocol (fetches only) from the bare repositories under `root`
 * (`ROOT/OWNER/NAME.git`), to clients that send the installation token `token` (see `serveGit`).
 */
export async function startGitHubTestServer(
  routes: ReadonlyArray<readonly [method: string, path: RegExp, route: Route]>,
  options: { git?: { root: string; token: string } } = {},
): Promise<GitHubTestServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (incoming, outgoing) => {
    const { git } = options;
    if (git && GIT_SMART_HTTP.test(new URL(incoming.url ?? '/', 'http://git.test').pathname)) {
      const served = await serveGit(incoming, outgoing, git);
      requests.push({
        method: incoming.method ?? 'GET',
        path: incoming.url ?? '/',
        authorization: incoming.headers.authorization,
        accept: incoming.headers.accept,
        body: served,
      });
      return;
    }
    const text = await readBody(incoming);
    const recorded: RecordedRequest = {
      method: incoming.method ?? 'GET',
      path: incoming.url ?? '/',
      authorization: incoming.headers.authorization,
      accept: incoming.headers.accept,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
    requests.push(recorded);
    const pathname = decodeURIComponent(recorded.path.split('?')[0]!);
    for (const [method, pattern, route] of routes) {
      const match = method === recorded.method ? pathname.match(pattern) : null;
      if (!match) continue;
      const reply = route(recorded, match);
      outgoing.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' });
      outgoing.end(reply.contentType ? String(reply.body) : JSON.stringify(reply.body));
      return;
    }
    outgoing.writeHead(404, { 'content-type': 'application/json' });
    outgoing.end(JSON.stringify({ message: 'Not Found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    incoming.on('error', reject);
  });
}

/** A fresh RSA private key (PEM) for a test GitHub App. */
export function testAppPrivateKey(): string {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

/** The route that mints installation tokens: every installation gets `token`, with the permissions asked. */
export function installationTokenRoute(token: string): readonly [string, RegExp, Route] {
  return [
    'POST',
    /^\/app\/installations\/(\d+)\/access_tokens$/,
    (request) => ({
      status: 201,
      body: {
        token,
        expires_at: '2030-01-01T00:00:00Z',
        permissions: (request.body as { permissions: unknown }).permissions,
      },
    }),
  ];
}

/** The route that answers for the commits of acme/app: `base` exists (its tree is `base-tree`), no other. */
export function baseCommitRoute(base: () => string): readonly [string, RegExp, Route] {
  return [
    'GET',
    /^\/repos\/acme\/app\/git\/commits\/([0-9a-f]+)$/,
    (_request, match) =>
      match[1] === base()
        ? { status: 200, body: { sha: base(), tree: { sha: 'base-tree' } } }
        : { status: 404, body: { message: 'Not Found' } },
  ];
}

/** A forge on acme/app acting as App 1 (installation 5) against the test server. */
export function testGitHubForge(server: GitHubTestServer, privateKey: string): GitHubForge {
  const broker = createCredentialBroker({
    github: { appId: 1, privateKey, installationId: 5, baseUrl: server.baseUrl },
  });
  return new GitHubForge({
    owner: 'acme',
    name: 'app',
    baseUrl: server.baseUrl,
    token: async (permissions) => (await broker.githubToken({ repository: 'app', permissions })).token,
  });
}
