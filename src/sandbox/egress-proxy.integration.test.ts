import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { SystemError } from '../spec/errors.ts';
import { createStaticEgressResolver, getThroughTunnel, requestThroughProxy } from '../testing/index.ts';
import {
  createEgressProxy,
  type EgressConnection,
  type EgressProxy,
  type EgressProxySettings,
} from './egress-proxy.ts';
import type { EgressResolver } from './egress-resolver.ts';

/** A target server on 127.0.0.1 that records what reached it. */
let target: http.Server;
let targetPort: number;
const received: string[] = [];

beforeAll(async () => {
  target = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push(`${request.method} ${request.url} host=${request.headers.host} body=${body}`);
      response.end(`hello ${request.url}`);
    });
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetPort = (target.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => target.close(resolve));
});

const proxies: EgressProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  received.length = 0;
});

/** A proxy on loopback allowing `allowed.test:<target port>`, which the test resolver points at 127.0.0.1. */
async function startProxy(overrides: Partial<EgressProxySettings> = {}) {
  const records: EgressConnection[] = [];
  const recorded: Array<() => void> = [];
  const proxy = createEgressProxy({
    allow: [`allowed.test:${targetPort}`],
    resolve: createStaticEgressResolver({ 'allowed.test': '127.0.0.1', 'other.test': '127.0.0.1' }),
    onConnection: (connection) => {
      records.push(connection);
      recorded.shift()?.();
    },
    ...overrides,
  });
  proxies.push(proxy);
  const port = await proxy.listenOnLoopback();
  /** Resolves once `count` records exist (records arrive when a connection ends). */
  const recordsAfter = (count: number) =>
    new Promise<EgressConnection[]>((resolve) => {
      const check = () => (records.length >= count ? resolve(records) : recorded.push(check));
      check();
    });
  return { proxy, port, records, recordsAfter };
}

describe('egress proxy over real HTTP on 127.0.0.1', () => {
  test('forwards an absolute-form request to an allowed name and records it with its byte counts', async () => {
    const { port, recordsAfter } = await startProxy();
    const reply = await requestThroughProxy(port, `http://allowed.test:${targetPort}/a?b=1`, {
      method: 'POST',
      body: 'payload',
    });
    expect(reply).toMatchObject({ status: 200, body: 'hello /a?b=1' });
    expect(received).toEqual([`POST /a?b=1 host=allowed.test:${targetPort} body=payload`]);
    const [record] = await recordsAfter(1);
    expect(record).toMatchObject({
      host: 'allowed.test',
      port: targetPort,
      method: 'POST',
      decision: 'allow',
      bytesUp: 7,
      bytesDown: 'hello /a?b=1'.length,
    });
    expect(Date.parse(record!.at)).not.toBeNaN();
  });

  test('tunnels CONNECT to an allowed name and refuses CONNECT to anything else', async () => {
    const { port, recordsAfter } = await startProxy();
    const granted = await getThroughTunnel(port, `allowed.test:${targetPort}`, '/tunnelled');
    expect(granted.status).toBe(200);
    expect(granted.tunnelled).toContain('hello /tunnelled');
    const refused = await getThroughTunnel(port, `other.test:${targetPort}`, '/nope');
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('not on the allow-list');
    expect(received).toEqual([`GET /tunnelled host=allowed.test:${targetPort} body=`]);
    const records = await recordsAfter(2);
    expect(records.map((record) => [record.method, record.host, record.decision])).toEqual(
      expect.arrayContaining([
        ['CONNECT', 'allowed.test', 'allow'],
        ['CONNECT', 'other.test', 'refuse'],
      ]),
    );
  });

  test('holds back an allowed name while `hold` gives a reason, and lets it through once it gives none', async () => {
    let held: string | undefined = 'held: the task read untrusted content (issue #3 by @mallory)';
    const { port, recordsAfter } = await startProxy({ hold: () => held });
    const tunnel = await getThroughTunnel(port, `allowed.test:${targetPort}`, '/held');
    expect(tunnel.status).toBe(403);
    expect(tunnel.body).toContain('issue #3 by @mallory');
    expect((await requestThroughProxy(port, `http://allowed.test:${targetPort}/held`)).status).toBe(403);
    expect(received).toEqual([]);
    const records = await recordsAfter(2);
    expect(records.map((record) => [record.decision, record.reason])).toEqual([
      ['refuse', held],
      ['refuse', held],
    ]);
    held = undefined;
    expect((await getThroughTunnel(port, `allowed.test:${targetPort}`, '/free')).status).toBe(200);
  });

  test('refuses by default: an empty allow-list lets nothing through', async () => {
    const { port, recordsAfter } = await startProxy({ allow: [] });
    expect((await requestThroughProxy(port, `http://allowed.test:${targetPort}/`)).status).toBe(403);
    expect((await getThroughTunnel(port, `allowed.test:${targetPort}`)).status).toBe(403);
    expect(received).toEqual([]);
    expect((await recordsAfter(2)).every((record) => record.decision === 'refuse')).toBe(true);
  });

  test('refuses a listed name on another port, and a wildcard does not cover the bare domain', async () => {
    const { port } = await startProxy({ allow: [`*.allowed.test:${targetPort}`, 'allowed.test'] });
    expect((await requestThroughProxy(port, `http://allowed.test:${targetPort}/`)).status).toBe(403);
    expect(received).toEqual([]);
  });

  test('checks the Host header against the request target', async () => {
    const { port, recordsAfter } = await startProxy();
    const reply = await requestThroughProxy(port, `http://allowed.test:${targetPort}/`, {
      headers: { host: `other.test:${targetPort}` },
    });
    expect(reply.status).toBe(403);
    expect(received).toEqual([]);
    expect((await recordsAfter(1))[0]).toMatchObject({
      reason: 'Host header does not match the request target',
    });
  });

  test.each(['127.0.0.1', '2130706433', '0x7f000001', '0177.0.0.1', '127.1', '[::ffff:127.0.0.1]', '[::1]'])(
    'refuses the loopback literal %s over HTTP and CONNECT, so the target receives nothing',
    async (literal) => {
      const { port } = await startProxy({
        allow: [`allowed.test:${targetPort}`, `${literal}:${targetPort}`],
      });
      expect((await requestThroughProxy(port, `http://${literal}:${targetPort}/`)).status).toBe(403);
      expect((await getThroughTunnel(port, `${literal}:${targetPort}`)).status).toBe(403);
      expect(received).toEqual([]);
    },
  );

  test('refuses a name whose real answer is loopback (only the test resolver may vouch for it)', async () => {
    const plain: EgressResolver = async () => [{ address: '127.0.0.1' }];
    const { port, recordsAfter } = await startProxy({ resolve: plain });
    expect((await getThroughTunnel(port, `allowed.test:${targetPort}`)).status).toBe(403);
    expect(received).toEqual([]);
    expect((await recordsAfter(1))[0]?.reason).toMatch(/loopback/);
  });

  test('connects to the address resolved for the decision and never resolves twice', async () => {
    let calls = 0;
    const rebinding: EgressResolver = async () => {
      calls++;
      return calls === 1
        ? [{ address: '127.0.0.1', skipAddressCheck: true }]
        : [{ address: '169.254.169.254' }];
    };
    const { port } = await startProxy({ resolve: rebinding });
    expect((await requestThroughProxy(port, `http://allowed.test:${targetPort}/once`)).status).toBe(200);
    expect(calls).toBe(1);
  });

  test('refuses origin-form requests that are not for an upstream, and https in absolute form', async () => {
    const { port } = await startProxy();
    expect(
      (await requestThroughProxy(port, '/etc/passwd', { headers: { host: 'allowed.test' } })).status,
    ).toBe(400);
    const https = await requestThroughProxy(port, `https://allowed.test:${targetPort}/`, {
      headers: { host: `allowed.test:${targetPort}` },
    });
    expect(https.status).toBe(400);
    expect(received).toEqual([]);
  });

  test('keeps working when onConnection throws', async () => {
    const { port } = await startProxy({
      onConnection: () => {
        throw new Error('journal down');
      },
    });
    expect((await requestThroughProxy(port, `http://allowed.test:${targetPort}/1`)).status).toBe(200);
    expect((await requestThroughProxy(port, `http://allowed.test:${targetPort}/2`)).status).toBe(200);
  });

  test('caps concurrent connections and records the ones it turns away', async () => {
    const { port, recordsAfter } = await startProxy({ maxConnections: 2 });
    const open = async () => {
      const socket = connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      return socket;
    };
    const held = [await open(), await open()];
    const third = await open();
    await new Promise((resolve) => third.once('close', resolve));
    expect((await recordsAfter(1))[0]).toMatchObject({ decision: 'refuse', reason: 'too many connections' });
    for (const socket of held) socket.destroy();
  });

  test('closes a connection that stays idle', async () => {
    const { port } = await startProxy({ idleTimeoutMs: 100 });
    const socket = connect(port, '127.0.0.1');
    const closed = await Promise.race([
      new Promise((resolve) => socket.once('close', () => resolve(true))),
      new Promise((resolve) => setTimeout(() => resolve(false), 5_000)),
    ]);
    expect(closed).toBe(true);
  });

  test('close() ends open tunnels and removes its socket file', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'warden-egress-'));
    try {
      const { proxy, port } = await startProxy();
      const socketPath = path.join(directory, 'proxy.sock');
      await proxy.listenOnSocket(socketPath);
      expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
      const tunnel = await new Promise<Socket>((resolve) => {
        const request = http.request({
          host: '127.0.0.1',
          port,
          method: 'CONNECT',
          path: `allowed.test:${targetPort}`,
        });
        request.on('connect', (_response, socket) => resolve(socket));
        request.end();
      });
      const ended = new Promise((resolve) => tunnel.once('close', resolve));
      await proxy.close();
      await ended;
      await expect(stat(socketPath)).rejects.toThrow();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  test('serves the same proxy on a Unix socket and refuses to replace a file that is not a socket', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'warden-egress-'));
    try {
      const { proxy } = await startProxy();
      const socketPath = path.join(directory, 'proxy.sock');
      await proxy.listenOnSocket(socketPath);
      const reply = await new Promise<string>((resolve, reject) => {
        const request = http.request({
          socketPath,
          path: `http://allowed.test:${targetPort}/unix`,
          headers: { host: `allowed.test:${targetPort}` },
        });
        request.on('error', reject);
        request.on('response', (response) => {
          let body = '';
          response.on('data', (chunk) => {
            body += chunk;
          });
          response.on('end', () => resolve(body));
        });
        request.end();
      });
      expect(reply).toBe('hello /unix');
      const plainFile = path.join(directory, 'file');
      await writeFile(plainFile, 'keep me');
      await expect(proxy.listenOnSocket(plainFile)).rejects.toThrow(SystemError);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
