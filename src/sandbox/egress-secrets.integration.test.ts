import http from 'node:http';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { UserError } from '../spec/errors.ts';
import { createStaticEgressResolver, getThroughTunnel, requestThroughProxy } from '../testing/index.ts';
import { createEgressProxy, type EgressConnection, type EgressProxy } from './egress-proxy.ts';
import { createSecretPlaceholders } from './egress-secrets.ts';

const REAL = 'npm_REALsecretVALUE_0123456789abcdef';
const OTHER_REAL = 'ghp_OTHERrealVALUE_9876543210';

/** One server plays both the upstream registry and the plain-HTTP hosts; it records every request. */
let server: http.Server;
let serverPort: number;
const seen: Array<{ url: string; headers: http.IncomingHttpHeaders }> = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    request.resume();
    response.end(`ok ${request.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverPort = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const proxies: EgressProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  seen.length = 0;
});

function makePlaceholders() {
  return createSecretPlaceholders({
    proxyUrl: 'http://127.0.0.1:3128',
    secrets: [
      { name: 'NPM_TOKEN', value: REAL, hosts: [`secret.test:${serverPort}`] },
      { name: 'API_KEY', value: OTHER_REAL },
    ],
    upstreams: [
      // Tests point the upstream at plain http on 127.0.0.1; in production it is https://registry.npmjs.org/.
      {
        name: 'npm',
        url: `http://127.0.0.1:${serverPort}/registry`,
        secret: 'NPM_TOKEN',
        urlEnv: ['npm_config_registry'],
      },
      {
        name: 'api',
        url: `http://127.0.0.1:${serverPort}/api/`,
        secret: 'API_KEY',
        header: 'X-Api-Key',
        scheme: '',
      },
      {
        name: 'publisher',
        url: `http://127.0.0.1:${serverPort}/publisher/`,
        secret: 'API_KEY',
        allowWrite: true,
      },
    ],
  });
}

async function startProxy() {
  const placeholders = makePlaceholders();
  const records: EgressConnection[] = [];
  const proxy = createEgressProxy({
    allow: [`secret.test:${serverPort}`, `plain.test:${serverPort}`, `registry.test:${serverPort}`],
    readOnly: [`registry.test:${serverPort}`],
    resolve: createStaticEgressResolver({
      'secret.test': '127.0.0.1',
      'plain.test': '127.0.0.1',
      'registry.test': '127.0.0.1',
    }),
    secrets: placeholders.proxy,
    onConnection: (connection) => records.push(connection),
  });
  proxies.push(proxy);
  const port = await proxy.listenOnLoopback();
  return { port, placeholders, records };
}

describe('secrets stay outside the sandbox', () => {
  test('the sandbox gets random placeholders and the upstream URL, never a real value', () => {
    const placeholders = makePlaceholders();
    expect(placeholders.env).toEqual({
      NPM_TOKEN: expect.stringMatching(/^WARDEN_PLACEHOLDER_[0-9a-f]{32}$/),
      API_KEY: expect.stringMatching(/^WARDEN_PLACEHOLDER_[0-9a-f]{32}$/),
      npm_config_registry: 'http://127.0.0.1:3128/_upstream/npm/',
    });
    expect(makePlaceholders().env.NPM_TOKEN).not.toBe(placeholders.env.NPM_TOKEN);
    for (const text of [JSON.stringify(placeholders), inspect(placeholders, { depth: 10 })]) {
      expect(text).not.toContain(REAL);
      expect(text).not.toContain(OTHER_REAL);
    }
  });

  test('a credentialed upstream receives the real value; the client needs no token at all', async () => {
    const { port, records } = await startProxy();
    const reply = await requestThroughProxy(port, '/_upstream/npm/left-pad', {
      headers: { host: '127.0.0.1:3128' },
    });
    expect(reply).toMatchObject({ status: 200, body: 'ok /registry/left-pad' });
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${REAL}`);
    expect(seen[0]?.headers.host).toBe(`127.0.0.1:${serverPort}`);
    expect(JSON.stringify(records)).not.toContain(REAL);
  });

  test('a client that itself uses the proxy (absolute form) and sends the placeholder gets it replaced', async () => {
    const { port, placeholders, records } = await startProxy();
    const reply = await requestThroughProxy(port, 'http://127.0.0.1:3128/_upstream/npm/-/whoami', {
      headers: { authorization: `Bearer ${placeholders.env.NPM_TOKEN}` },
    });
    expect(reply.status).toBe(200);
    expect(seen[0]?.url).toBe('/registry/-/whoami');
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${REAL}`);
    const api = await requestThroughProxy(port, '/_upstream/api/v1', { headers: { host: 'x' } });
    expect(api.status).toBe(200);
    expect(seen[1]?.headers['x-api-key']).toBe(OTHER_REAL);
    expect(seen[1]?.headers.authorization).toBeUndefined();
    expect(records.map((record) => record.reason)).toEqual([
      'credentialed upstream npm',
      'credentialed upstream api',
    ]);
    expect(JSON.stringify(records)).not.toContain(REAL);
    expect(JSON.stringify(records)).not.toContain(OTHER_REAL);
  });

  test('plain HTTP gets the value only on the matching host; elsewhere the placeholder goes as is', async () => {
    const { port, placeholders } = await startProxy();
    const token = placeholders.env.NPM_TOKEN!;
    await requestThroughProxy(port, `http://secret.test:${serverPort}/p?token=${token}`, {
      headers: { 'x-token': token },
    });
    await requestThroughProxy(port, `http://plain.test:${serverPort}/p?token=${token}`, {
      headers: { 'x-token': token },
    });
    expect(seen[0]).toMatchObject({ url: `/p?token=${REAL}`, headers: { 'x-token': REAL } });
    expect(seen[1]).toMatchObject({ url: `/p?token=${token}`, headers: { 'x-token': token } });
    // API_KEY lists no hosts: it reaches only its upstream.
    await requestThroughProxy(port, `http://secret.test:${serverPort}/q`, {
      headers: { 'x-token': placeholders.env.API_KEY! },
    });
    expect(seen[2]?.headers['x-token']).toBe(placeholders.env.API_KEY);
  });

  test('a credentialed upstream only reads unless granted writes; the refusal is recorded with its method', async () => {
    const { port, records } = await startProxy();
    for (const method of ['PUT', 'POST', 'DELETE', 'PATCH']) {
      const reply = await requestThroughProxy(port, '/_upstream/npm/left-pad', {
        method,
        headers: { host: 'x', 'content-type': 'application/json' },
        body: '{"name":"left-pad"}',
      });
      expect(reply.status, method).toBe(405);
      expect(reply.body).toMatch(/read-only/);
    }
    const absolute = await requestThroughProxy(port, 'http://127.0.0.1:3128/_upstream/npm/left-pad', {
      method: 'PUT',
      body: '{}',
    });
    expect(absolute.status).toBe(405);
    expect(seen).toEqual([]);
    expect(records).toHaveLength(5);
    expect(records[0]).toMatchObject({
      method: 'PUT',
      decision: 'refuse',
      reason: expect.stringMatching(/PUT refused/),
    });
    for (const method of ['GET', 'HEAD']) {
      expect(
        (await requestThroughProxy(port, '/_upstream/npm/left-pad', { method, headers: { host: 'x' } }))
          .status,
      ).toBe(200);
    }
    const granted = await requestThroughProxy(port, '/_upstream/publisher/pkg', {
      method: 'PUT',
      headers: { host: 'x' },
      body: '{}',
    });
    expect(granted.status).toBe(200);
    expect(seen.map((entry) => entry.url)).toEqual([
      '/registry/left-pad',
      '/registry/left-pad',
      '/publisher/pkg',
    ]);
    expect(JSON.stringify(records)).not.toContain(REAL);
  });

  test('plain HTTP to a read-only registry, or carrying a secret, only reads', async () => {
    const { port, placeholders, records } = await startProxy();
    const token = placeholders.env.NPM_TOKEN!;
    const registry = await requestThroughProxy(port, `http://registry.test:${serverPort}/left-pad`, {
      method: 'PUT',
      body: '{}',
    });
    expect(registry.status).toBe(405);
    const credentialed = await requestThroughProxy(port, `http://secret.test:${serverPort}/left-pad`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}` },
      body: '{}',
    });
    expect(credentialed.status).toBe(405);
    expect(seen).toEqual([]);
    expect(records.map((record) => [record.method, record.decision])).toEqual([
      ['PUT', 'refuse'],
      ['PUT', 'refuse'],
    ]);
    // Reading still works, and a write without a secret to a host that is not read-only goes through.
    expect((await requestThroughProxy(port, `http://registry.test:${serverPort}/left-pad`)).status).toBe(200);
    expect(
      (await requestThroughProxy(port, `http://secret.test:${serverPort}/x`, { method: 'POST', body: '{}' }))
        .status,
    ).toBe(200);
  });

  test('CONNECT tunnels are not opened up: the placeholder inside them is left alone', async () => {
    const { port, placeholders } = await startProxy();
    const tunnel = await getThroughTunnel(
      port,
      `secret.test:${serverPort}`,
      `/t?token=${placeholders.env.NPM_TOKEN}`,
    );
    expect(tunnel.status).toBe(200);
    expect(seen[0]?.url).toBe(`/t?token=${placeholders.env.NPM_TOKEN}`);
  });

  test('an upstream path cannot climb out of the upstream, and unknown upstreams are refused', async () => {
    const { port, records } = await startProxy();
    for (const path of ['/_upstream/npm/../api/x', '/_upstream/npm/%2e%2e/api/x', '/_upstream/nope/x']) {
      const reply = await requestThroughProxy(port, path, { headers: { host: 'x' } });
      expect(reply.status, path).toBe(403);
    }
    expect(seen).toEqual([]);
    expect(records.every((record) => record.decision === 'refuse')).toBe(true);
  });

  test('neither refusals, failures nor configuration errors repeat the value', async () => {
    const placeholders = createSecretPlaceholders({
      proxyUrl: 'http://127.0.0.1:3128',
      secrets: [{ name: 'NPM_TOKEN', value: REAL }],
      upstreams: [{ name: 'down', url: 'http://127.0.0.1:1/', secret: 'NPM_TOKEN' }],
    });
    const records: EgressConnection[] = [];
    const proxy = createEgressProxy({
      allow: [],
      secrets: placeholders.proxy,
      onConnection: (record) => records.push(record),
    });
    proxies.push(proxy);
    const port = await proxy.listenOnLoopback();
    const reply = await requestThroughProxy(port, '/_upstream/down/x', { headers: { host: 'x' } });
    expect(reply.status).toBe(502);
    expect(reply.body).not.toContain(REAL);
    expect(records[0]?.error).toBeDefined();
    expect(JSON.stringify(records)).not.toContain(REAL);

    const attempts = [
      () => createSecretPlaceholders({ proxyUrl: 'x', secrets: [{ name: 'BAD NAME', value: REAL }] }),
      () =>
        createSecretPlaceholders({ proxyUrl: 'x', secrets: [{ name: 'A', value: `${REAL}\nX-Evil: 1` }] }),
      () =>
        createSecretPlaceholders({
          proxyUrl: 'x',
          secrets: [
            { name: 'A', value: REAL },
            { name: 'A', value: REAL },
          ],
        }),
      () =>
        createSecretPlaceholders({
          proxyUrl: 'x',
          secrets: [{ name: 'A', value: REAL }],
          upstreams: [{ name: 'u', url: `https://user:${REAL}@example.com/`, secret: 'A' }],
        }),
      () =>
        createSecretPlaceholders({
          proxyUrl: 'x',
          upstreams: [{ name: 'u', url: 'https://e.com/', secret: 'NONE' }],
        }),
    ];
    for (const attempt of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(UserError);
      expect(inspect(caught)).not.toContain(REAL);
    }
  });
});
