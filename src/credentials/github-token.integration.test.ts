import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSPKI, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCredentialBroker } from './credential-broker.ts';

interface Seen {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

describe('CredentialBroker GitHub App installation tokens', () => {
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  let server: Server;
  let baseUrl: string;
  let seen: Seen[];
  let status: number;

  beforeEach(async () => {
    seen = [];
    status = 201;
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
        seen.push({ path: request.url ?? '', authorization: request.headers.authorization, body });
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify(
            status === 201
              ? {
                  token: `ghs_installation${seen.length}abcdefghijklmnop`,
                  expires_at: '2030-01-01T01:00:00Z',
                  permissions: body.permissions,
                  repository_selection: 'selected',
                }
              : { message: 'Bad credentials' },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('asks for a token narrowed to one repository and the least permissions, with an App JWT', async () => {
    const broker = createCredentialBroker({
      github: { appId: 4242, privateKey: keys.privateKey, installationId: 77, baseUrl },
    });
    const token = await broker.githubToken({ repository: 'app', permissions: { pull_requests: 'write' } });

    expect(token).toMatchObject({ token: 'ghs_installation1abcdefghijklmnop', repository: 'app' });
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request!.path).toBe('/app/installations/77/access_tokens');
    expect(request!.body).toEqual({ repositories: ['app'], permissions: { pull_requests: 'write' } });
    const jwt = request!.authorization?.replace(/^bearer /i, '') ?? '';
    const verified = await jwtVerify(jwt, await importSPKI(keys.publicKey, 'RS256'));
    expect(String(verified.payload.iss)).toBe('4242');
    expect(broker.redact(`leak ${token.token}`)).toBe('leak [REDACTED]');
  });

  it('reports a refusal without the private key or any token in the error', async () => {
    status = 401;
    const broker = createCredentialBroker({
      github: { appId: 4242, privateKey: keys.privateKey, installationId: 77, baseUrl },
    });
    const error = (await broker
      .githubToken({ repository: 'app', permissions: { contents: 'write' } })
      .catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: 'credential-failed' });
    const text = `${error.message} ${JSON.stringify(error)} ${String(error.cause ?? '')}`;
    const body = keys.privateKey.split('\n')[1]!;
    expect(text).not.toContain(body);
    expect(text).not.toContain(seen[0]!.authorization!.slice(7));
  });

  it('refuses when no GitHub App is configured', async () => {
    await expect(
      createCredentialBroker().githubToken({ repository: 'app', permissions: { contents: 'read' } }),
    ).rejects.toMatchObject({ code: 'config-invalid' });
  });
});
