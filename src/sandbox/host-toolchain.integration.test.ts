import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ENV, type Environment } from '../spec/env.ts';
import type { ExecOptions } from '../spec/sandbox.ts';
import { createStaticEgressResolver } from '../testing/index.ts';
import { createBubblewrapDriver } from './bubblewrap-driver.ts';
import { resolveHostToolchain } from './host-toolchain.ts';

const bubblewrapInstalled = spawnSync('bwrap', ['--version']).status === 0;
const options: ExecOptions = { timeoutMs: 30_000, maxOutputBytes: 64 * 1024 };

if (!bubblewrapInstalled && process.env[ENV.ci] === 'true') {
  test('bubblewrap is installed (required in CI)', () => {
    throw new Error('bwrap is not on PATH; CI must run the toolchain suite (apt-get install bubblewrap)');
  });
}

/** A test CA and a certificate for `tls.test` signed by it, made with the host's openssl. */
function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=Warden Test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  );
  openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=tls.test');
  writeFileSync(file('san.cnf'), 'subjectAltName=DNS:tls.test\n');
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '1',
    '-extfile',
    file('san.cnf'),
  );
  return { ca: file('ca.pem'), key: file('server.key'), cert: file('server.pem') };
}

/** Opens a TLS connection to tls.test through the sandbox's egress proxy and says whether it was trusted. */
const TLS_CLIENT = `
const http = require('node:http');
const tls = require('node:tls');
const proxy = new URL(process.env.HTTPS_PROXY || process.env.https_proxy);
const target = 'tls.test:' + process.argv[2];
const request = http.request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: target });
request.on('connect', (response, socket) => {
  if (response.statusCode !== 200) return console.log('proxy refused ' + response.statusCode);
  const secure = tls.connect({ socket, servername: 'tls.test' }, () => { console.log('trusted'); secure.end(); });
  secure.on('error', (error) => console.log('untrusted ' + error.code));
});
request.on('error', (error) => console.log('error ' + error.message));
request.end();
`;

describe.skipIf(!bubblewrapInstalled)(
  'the sandbox runs the host’s toolchain and trusts the host’s CAs',
  () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'warden-toolchain-it-'));
    const workspace = path.join(dir, 'workspace');
    let server: Server;
    let port: number;
    let ca: string;

    beforeAll(async () => {
      execFileSync('mkdir', ['-p', workspace]);
      writeFileSync(path.join(workspace, 'tls-client.cjs'), TLS_CLIENT);
      const certificates = makeCertificates(dir);
      ca = certificates.ca;
      server = createServer(
        { key: readFileSync(certificates.key), cert: readFileSync(certificates.cert) },
        (_request, response) => response.end('ok'),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      rmSync(dir, { recursive: true, force: true });
    });

    const exec = async (hostEnv: Environment, command: string, egress = false) => {
      const driver = createBubblewrapDriver({
        hostEnv,
        egressResolver: createStaticEgressResolver({ 'tls.test': '127.0.0.1' }),
      });
      const sandbox = await driver.create({
        workspaceDir: workspace,
        egress: egress ? { allow: [`tls.test:${port}`] } : undefined,
      });
      try {
        return await sandbox.exec(command, options);
      } finally {
        await sandbox.destroy();
      }
    };

    test('`node --version` inside is the host’s node, not Warden’s private runtime', async () => {
      const hostPath = process.env.PATH ?? '';
      const host = resolveHostToolchain(hostPath, process.execPath);
      const expected = execFileSync(host.nodePath, ['--version']).toString().trim();
      const result = await exec({ PATH: hostPath }, 'node --version');
      expect(result.stdout.trim()).toBe(expected);
      const driver = createBubblewrapDriver({ hostEnv: { PATH: hostPath } });
      expect(await driver.describeToolchain?.()).toContain(`node ${expected}`);
    });

    test('a node installed outside /usr is the one inside (its prefix mounted read-only)', async () => {
      // Warden's own runtime stands for "a node in some other prefix" here: reached through a plain bin dir.
      const bin = path.join(dir, 'other-node', 'bin');
      execFileSync('mkdir', ['-p', bin]);
      execFileSync('ln', ['-sf', process.execPath, path.join(bin, 'node')]);
      const result = await exec(
        { PATH: `${bin}:/usr/bin:/bin` },
        'node --version && touch /opt/host-toolchain/x',
      );
      expect(result.stdout.trim()).toBe(process.version);
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(/Read-only file system/);
    });

    test('a repository’s .nvmrc picks the host’s install of that version; one the host lacks is said so', async () => {
      // An nvm directory whose one install (Warden's runtime, standing for any other version) is v<major>.
      const nvm = path.join(dir, 'nvm');
      const install = path.join(nvm, 'versions', 'node', process.version, 'bin');
      execFileSync('mkdir', ['-p', install]);
      execFileSync('ln', ['-sf', process.execPath, path.join(install, 'node')]);
      const hostEnv = { PATH: '/usr/bin:/bin', NVM_DIR: nvm };
      const major = process.version.slice(1).split('.')[0]!;
      const pinned = path.join(dir, 'pinned');
      execFileSync('mkdir', ['-p', pinned]);
      writeFileSync(path.join(pinned, '.nvmrc'), `${major}\n`);
      const driver = createBubblewrapDriver({ hostEnv });
      const sandbox = await driver.create({ workspaceDir: pinned });
      try {
        expect((await sandbox.exec('node --version', options)).stdout.trim()).toBe(process.version);
      } finally {
        await sandbox.destroy();
      }
      expect(await driver.describeToolchain?.(pinned)).toContain(
        `.nvmrc asks for ${major}: ${process.version}`,
      );

      const missing = path.join(dir, 'missing');
      execFileSync('mkdir', ['-p', missing]);
      writeFileSync(path.join(missing, '.nvmrc'), '99\n');
      const fallback = resolveHostToolchain(hostEnv.PATH, process.execPath).nodePath;
      const host = execFileSync(fallback, ['--version']).toString().trim();
      const other = await driver.create({ workspaceDir: missing });
      try {
        expect((await other.exec('node --version', options)).stdout.trim()).toBe(host);
      } finally {
        await other.destroy();
      }
      expect(await driver.describeToolchain?.(missing)).toContain(
        '.nvmrc asks for 99, which this host does not have',
      );
    });

    test('a CA the host trusts through NODE_EXTRA_CA_CERTS is trusted inside, through the egress proxy', async () => {
      const command = `node tls-client.cjs ${port}`;
      const without = await exec({ PATH: '/usr/bin:/bin' }, command, true);
      expect(without.stdout.trim()).toMatch(/^untrusted /);
      const withCa = await exec({ PATH: '/usr/bin:/bin', [ENV.nodeExtraCaCerts]: ca }, command, true);
      expect(withCa.stdout.trim()).toBe('trusted');
    });

    test('a CA bundle set by SSL_CERT_FILE is the one OpenSSL clients inside trust', async () => {
      const script = `import os, socket, ssl, sys
proxy = os.environ.get('HTTPS_PROXY') or os.environ['https_proxy']
host, port = proxy.split('//')[1].rstrip('/').split(':')
raw = socket.create_connection((host, int(port)))
raw.sendall(f'CONNECT tls.test:{sys.argv[1]} HTTP/1.1\\r\\nHost: tls.test\\r\\n\\r\\n'.encode())
assert b' 200' in raw.recv(4096).split(b'\\r\\n')[0]
try:
    ssl.create_default_context().wrap_socket(raw, server_hostname='tls.test')
    print('trusted')
except ssl.SSLError as error:
    print('untrusted', error.reason)
`;
      writeFileSync(path.join(workspace, 'tls-client.py'), script);
      const command = `python3 tls-client.py ${port}`;
      const without = await exec({ PATH: '/usr/bin:/bin' }, command, true);
      expect(without.stdout.trim()).toMatch(/^untrusted /);
      const withCa = await exec({ PATH: '/usr/bin:/bin', [ENV.sslCertFile]: ca }, command, true);
      expect(withCa.stdout.trim()).toBe('trusted');
    });
  },
);
