import http from 'node:http';
import type { Socket } from 'node:net';

/** Test helper: what came back through the proxy. */
export interface ProxyReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Test helper: sends one plain-HTTP request to the proxy on 127.0.0.1:`proxyPort` with `target` as the
 * request target (absolute-form `http://host/path`, or origin-form `/_upstream/…`), as a client
 * configured with HTTP_PROXY would.
 */
export function requestThroughProxy(
  proxyPort: number,
  target: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<ProxyReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (headers.host === undefined && /^http:\/\//.test(target)) headers.host = new URL(target).host;
    const request = http.request({
      host: '127.0.0.1',
      port: proxyPort,
      method: options.method ?? 'GET',
      path: target,
      headers,
      agent: false,
      setHost: headers.host === undefined,
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    request.end(options.body);
  });
}

/**
 * Test helper: opens a CONNECT tunnel to `authority` (`host:port`) and, when it is granted, sends
 * `GET path` through it to a plain-HTTP server. Resolves with the proxy's status and, on 200, the
 * target's reply.
 */
export function getThroughTunnel(
  proxyPort: number,
  authority: string,
  path = '/',
): Promise<{ status: number; body: string; tunnelled: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port: proxyPort,
      method: 'CONNECT',
      path: authority,
      agent: false,
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString(), tunnelled: '' }),
      );
    });
    request.on('connect', (response, socket: Socket, head) => {
      const chunks: Buffer[] = [head];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      const granted = response.statusCode === 200;
      socket.on('end', () => {
        socket.destroy();
        const text = Buffer.concat(chunks).toString();
        resolve({
          status: response.statusCode ?? 0,
          body: granted ? '' : text,
          tunnelled: granted ? text : '',
        });
      });
      // Node hands any answer to CONNECT to this event; a refusal's body follows on the socket.
      if (granted) socket.write(`GET ${path} HTTP/1.1\r\nHost: ${authority}\r\nConnection: close\r\n\r\n`);
    });
    request.end();
  });
}
