import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake GitHub received. */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/** A reply: status and JSON body. */
export type Reply = { status: number; body: unknown };

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

export async function startGitHubTestServer(
  routes: ReadonlyArray<readonly [method: string, path: RegExp, route: Route]>,
): Promise<GitHubTestServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (incoming, outgoing) => {
    const text = await readBody(incoming);
    const recorded: RecordedRequest = {
      method: incoming.method ?? 'GET',
      path: incoming.url ?? '/',
      authorization: incoming.headers.authorization,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
    requests.push(recorded);
    const pathname = decodeURIComponent(recorded.path.split('?')[0]!);
    for (const [method, pattern, route] of routes) {
      const match = method === recorded.method ? pathname.match(pattern) : null;
      if (!match) continue;
      const reply = route(recorded, match);
      outgoing.writeHead(reply.status, { 'content-type': 'application/json' });
      outgoing.end(JSON.stringify(reply.body));
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
