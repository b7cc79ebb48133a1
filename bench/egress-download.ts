import http from 'node:http';
import type { Socket } from 'node:net';
import { createEgressProxy } from '../src/sandbox/egress-proxy.ts';
import { createStaticEgressResolver } from '../src/testing/index.ts';
import { summarize } from './stats.ts';

const SIZE = 10 * 1024 * 1024;

/** Downloads the whole body of one GET and returns its length. */
function download(options: http.RequestOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ agent: false, ...options }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on('end', () => resolve(bytes));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** The same download inside a CONNECT tunnel (how https traffic goes through the proxy). */
function downloadThroughTunnel(proxyPort: number, authority: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port: proxyPort,
      method: 'CONNECT',
      path: authority,
      agent: false,
    });
    request.on('error', reject);
    request.on('connect', (_response, socket: Socket, head: Buffer) => {
      if (head.length > 0) socket.unshift(head);
      download({
        agent: undefined,
        path: '/',
        headers: { host: authority },
        createConnection: () => socket,
      }).then(resolve, reject);
    });
    request.end();
  });
}

/**
 * (b) A 10 MB download from a local server through the egress proxy (plain HTTP, forwarded, and
 * inside a CONNECT tunnel) against the same download direct, interleaved in one run; medians in ms.
 */
export async function benchEgressDownload(rounds = 15) {
  const payload = Buffer.alloc(SIZE, 'x');
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-length': SIZE });
    response.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const proxy = createEgressProxy({
    allow: [`bench.test:${port}`],
    resolve: createStaticEgressResolver({ 'bench.test': '127.0.0.1' }),
    onConnection: () => undefined,
  });
  try {
    const proxyPort = await proxy.listenOnLoopback();
    const direct: number[] = [];
    const forwarded: number[] = [];
    const tunnelled: number[] = [];
    const time = async (samples: number[], work: () => Promise<number>) => {
      const started = performance.now();
      const bytes = await work();
      if (bytes !== SIZE) throw new RangeError(`downloaded ${bytes} bytes, expected ${SIZE}`);
      samples.push(performance.now() - started);
    };
    const authority = `bench.test:${port}`;
    for (let round = 0; round < rounds; round++) {
      await time(direct, () => download({ host: '127.0.0.1', port, path: '/' }));
      await time(forwarded, () =>
        download({
          host: '127.0.0.1',
          port: proxyPort,
          path: `http://${authority}/`,
          headers: { host: authority },
        }),
      );
      await time(tunnelled, () => downloadThroughTunnel(proxyPort, authority));
    }
    const directMs = summarize(direct).median;
    const forwardedMs = summarize(forwarded).median;
    const tunnelledMs = summarize(tunnelled).median;
    return {
      directMs,
      forwardedMs,
      tunnelledMs,
      forwardedRatio: forwardedMs / directMs,
      tunnelledRatio: tunnelledMs / directMs,
    };
  } finally {
    await proxy.close();
    await new Promise((resolve) => server.close(resolve));
  }
}
