import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ENV } from '../spec/env.ts';
import { createStaticEgressResolver } from '../testing/index.ts';
import { createEgressProxy, type EgressConnection, type EgressProxy } from './egress-proxy.ts';
import {
  buildEgressSandboxSetup,
  EGRESS_RELAY_FAILED_EXIT,
  type EgressSandboxSetup,
} from './egress-sandbox-setup.ts';
import { createSecretPlaceholders, type SecretPlaceholders } from './egress-secrets.ts';

const bubblewrapInstalled = spawnSync('bwrap', ['--version']).status === 0;
const curlInstalled = spawnSync('curl', ['--version']).status === 0;
const REAL = 'npm_REALsecretVALUE_sandbox_0123456789';

if (!bubblewrapInstalled && process.env[ENV.ci] === 'true') {
  test('bubblewrap is installed (required in CI)', () => {
    throw new Error(
      'bwrap is not on PATH; CI must run the egress sandbox suite (apt-get install bubblewrap)',
    );
  });
}

/**
 * A sandbox like the driver's (copied from bubblewrap-arguments.ts, not imported: that file is being
 * reworked): every namespace unshared, read-only system, node at /opt/warden-node/bin, plus the egress
 * additions before `--remount-ro /`.
 */
function runSandboxed(setup: EgressSandboxSetup, command: string, env: Record<string, string> = {}) {
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--ro-bind', '/usr', '/usr'];
  for (const entry of ['/bin', '/sbin', '/lib', '/lib32', '/lib64']) {
    const target = spawnSync('readlink', [entry]).stdout.toString().trim();
    if (target !== '') args.push('--symlink', target, entry);
    else if (spawnSync('test', ['-d', entry]).status === 0) args.push('--ro-bind', entry, entry);
  }
  for (const entry of [
    '/etc/passwd',
    '/etc/group',
    '/etc/nsswitch.conf',
    '/etc/hosts',
    '/etc/ssl',
    '/etc/ld.so.cache',
  ]) {
    args.push('--ro-bind-try', entry, entry);
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  args.push('--ro-bind', path.dirname(process.execPath), '/opt/warden-node/bin', '--chdir', '/tmp');
  args.push(...setup.bwrapArguments, '--remount-ro', '/', '--cap-drop', 'ALL', '--clearenv');
  const environment = { PATH: '/opt/warden-node/bin:/usr/bin:/bin', HOME: '/tmp', ...setup.env, ...env };
  for (const [name, value] of Object.entries(environment)) args.push('--setenv', name, value);
  args.push('/bin/sh', '-c', setup.wrapCommand(command));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('bwrap', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the ES module in $SCRIPT with the sandbox's node; the script prints what the test checks. */
const nodeScript = () => `node --input-type=module -e "$SCRIPT"`;

describe.skipIf(!bubblewrapInstalled)(
  'egress from inside a real bubblewrap sandbox (skipped without bwrap)',
  () => {
    let directory: string;
    let target: http.Server;
    let targetPort: number;
    let proxy: EgressProxy;
    let setup: EgressSandboxSetup;
    let placeholders: SecretPlaceholders;
    const received: Array<{ url: string; authorization: string | undefined }> = [];
    const records: EgressConnection[] = [];

    beforeAll(async () => {
      directory = await mkdtemp(path.join(os.tmpdir(), 'warden-egress-sandbox-'));
      target = http.createServer((request, response) => {
        received.push({ url: request.url ?? '', authorization: request.headers.authorization });
        request.resume();
        response.end(`host says hi to ${request.url}`);
      });
      await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
      targetPort = (target.address() as { port: number }).port;
      const socketPath = path.join(directory, 'proxy.sock');
      setup = buildEgressSandboxSetup({ socketPath });
      placeholders = createSecretPlaceholders({
        proxyUrl: setup.proxyUrl,
        secrets: [{ name: 'NPM_TOKEN', value: REAL }],
        upstreams: [
          {
            name: 'npm',
            url: `http://127.0.0.1:${targetPort}/registry/`,
            secret: 'NPM_TOKEN',
            urlEnv: ['npm_config_registry'],
          },
        ],
      });
      proxy = createEgressProxy({
        allow: [`allowed.test:${targetPort}`],
        resolve: createStaticEgressResolver({ 'allowed.test': '127.0.0.1', 'denied.test': '127.0.0.1' }),
        secrets: placeholders.proxy,
        onConnection: (connection) => records.push(connection),
      });
      await proxy.listenOnSocket(socketPath);
    });

    afterAll(async () => {
      await proxy?.close();
      await new Promise((resolve) => target?.close(resolve));
      await rm(directory, { recursive: true, force: true });
    });

    test("node's http client inside reaches an allowed name through the proxy, and only that name", async () => {
      received.length = 0;
      const script = `
      import http from 'node:http';
      const get = (host) => new Promise((resolve) => {
        const request = http.get({ host: '127.0.0.1', port: 3128, path: 'http://' + host + ':${targetPort}/from-sandbox', headers: { host: host + ':${targetPort}' } });
        request.on('response', (response) => { let body = ''; response.on('data', (c) => body += c); response.on('end', () => resolve(response.statusCode + ' ' + body.trim())); });
        request.on('error', (error) => resolve('error ' + error.code));
      });
      console.log(await get('allowed.test'));
      console.log(await get('denied.test'));
      const fetched = await fetch('http://allowed.test:${targetPort}/via-fetch');
      console.log(fetched.status + ' ' + (await fetched.text()));
    `;
      const result = await runSandboxed(setup, nodeScript(), { SCRIPT: script });
      expect(result.stderr).toBe('');
      expect(result.stdout.split('\n')).toEqual([
        '200 host says hi to /from-sandbox',
        `403 warden egress proxy: refused denied.test:${targetPort}: not on the allow-list`,
        '200 host says hi to /via-fetch',
        '',
      ]);
      expect(received.map((entry) => entry.url)).toEqual(['/from-sandbox', '/via-fetch']);
      expect(records).toEqual(
        expect.arrayContaining([expect.objectContaining({ host: 'denied.test', decision: 'refuse' })]),
      );
    });

    test.skipIf(!curlInstalled)(
      'curl inside follows the proxy variables; curl --noproxy has no route',
      async () => {
        received.length = 0;
        const result = await runSandboxed(
          setup,
          `curl -sS http://allowed.test:${targetPort}/curl; echo; curl -sS --noproxy '*' --max-time 5 http://127.0.0.1:${targetPort}/direct; echo "direct=$?"`,
        );
        expect(result.stdout).toContain('host says hi to /curl');
        expect(result.stdout).toMatch(/direct=7/);
        expect(received.map((entry) => entry.url)).toEqual(['/curl']);
      },
    );

    test('sockets that ignore the proxy have no route out, and DNS does not resolve', async () => {
      received.length = 0;
      const external = Object.values(os.networkInterfaces())
        .flat()
        .find((info) => info?.family === 'IPv4' && !info.internal)?.address;
      const script = `
      import net from 'node:net';
      import dns from 'node:dns/promises';
      const attempt = (host, port) => new Promise((resolve) => {
        const socket = net.connect({ host, port });
        socket.on('connect', () => { socket.destroy(); resolve('connected'); });
        socket.on('error', (error) => resolve(error.code));
      });
      console.log('loopback ' + await attempt('127.0.0.1', ${targetPort}));
      console.log('external ' + (process.env.EXTERNAL ? await attempt(process.env.EXTERNAL, ${targetPort}) : 'ENETUNREACH'));
      console.log('public ' + await attempt('1.1.1.1', 53));
      console.log('lookup ' + await dns.lookup('registry.npmjs.org').then(() => 'resolved', (error) => 'failed'));
      console.log('resolve ' + await dns.resolve4('registry.npmjs.org').then(() => 'resolved', (error) => 'failed'));
    `;
      const result = await runSandboxed(setup, nodeScript(), {
        SCRIPT: script,
        EXTERNAL: external ?? '',
      });
      expect(result.stdout.split('\n')).toEqual([
        'loopback ECONNREFUSED',
        'external ENETUNREACH',
        'public ENETUNREACH',
        'lookup failed',
        'resolve failed',
        '',
      ]);
      expect(received).toEqual([]);
    });

    test('a tool pointed at a credentialed upstream works while the sandbox sees only the placeholder', async () => {
      received.length = 0;
      const script = `
      const response = await fetch(process.env.npm_config_registry + 'left-pad', { headers: { authorization: 'Bearer ' + process.env.NPM_TOKEN } });
      console.log(response.status + ' ' + (await response.text()));
    `;
      const result = await runSandboxed(setup, `env; cat /proc/self/environ; ${nodeScript()}`, {
        ...placeholders.env,
        SCRIPT: script,
      });
      expect(result.stdout).toContain('200 host says hi to /registry/left-pad');
      expect(result.stdout).toContain(placeholders.env.NPM_TOKEN);
      expect(result.stdout + result.stderr).not.toContain(REAL);
      expect(received).toEqual([{ url: '/registry/left-pad', authorization: `Bearer ${REAL}` }]);
      expect(JSON.stringify(records)).not.toContain(REAL);
    });

    test('the command keeps its exit code and quoting, and does not run when the relay cannot start', async () => {
      const ok = await runSandboxed(setup, `printf '%s\\n' "it's quoted"; exit 7`);
      expect(ok).toMatchObject({ code: 7, stdout: "it's quoted\n", stderr: '' });
      const broken = buildEgressSandboxSetup({
        socketPath: path.join(directory, 'proxy.sock'),
        nodePath: '/nonexistent/node',
      });
      const failed = await runSandboxed(broken, 'echo ran');
      expect(failed.code).toBe(EGRESS_RELAY_FAILED_EXIT);
      expect(failed.stdout).toBe('');
      expect(failed.stderr).toContain('the egress relay did not start');
    });
  },
);
