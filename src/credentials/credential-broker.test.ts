import { describe, expect, it } from 'vitest';
import { createCredentialBroker } from './credential-broker.ts';
import { REDACTED, Redactor } from './redactor.ts';

const scope = { taskId: 't1', repository: 'acme/app', actions: ['forge.push', 'forge.open_pr'] };

describe('CredentialBroker task tokens', () => {
  it('mints a token that verifies for its task, repository and actions', async () => {
    const broker = createCredentialBroker();
    const minted = await broker.issueTaskToken(scope);
    const claims = await broker.verifyTaskToken(minted.token, { ...scope, action: 'forge.push' });
    expect(claims).toMatchObject({ taskId: 't1', repository: 'acme/app', actions: scope.actions });
    expect(claims.expiresAt.getTime() - claims.issuedAt.getTime()).toBe(600_000);
  });

  it('refuses an expired token, another task, another repository, another action', async () => {
    let clock = new Date('2026-01-01T00:00:00Z');
    const broker = createCredentialBroker({ ttlSeconds: 300, now: () => clock });
    const { token } = await broker.issueTaskToken(scope);
    const refusal = (message: string) => ({
      code: 'credential-refused',
      message: expect.stringContaining(message),
    });
    await expect(broker.verifyTaskToken(token, { ...scope, taskId: 't2' })).rejects.toMatchObject(
      refusal('another task'),
    );
    await expect(broker.verifyTaskToken(token, { ...scope, repository: 'acme/other' })).rejects.toMatchObject(
      refusal('not scoped to acme/other'),
    );
    await expect(broker.verifyTaskToken(token, { ...scope, action: 'deploy' })).rejects.toMatchObject(
      refusal('does not allow deploy'),
    );
    clock = new Date(clock.getTime() + 301_000);
    await expect(broker.verifyTaskToken(token, scope)).rejects.toMatchObject(refusal('expired'));
  });

  it('refuses a token signed by another broker or tampered with, and never echoes it', async () => {
    const broker = createCredentialBroker();
    const stranger = createCredentialBroker();
    const { token } = await stranger.issueTaskToken(scope);
    const error = (await broker.verifyTaskToken(token, scope).catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: 'credential-refused' });
    expect(error.message).not.toContain(token);
    const own = (await broker.issueTaskToken(scope)).token;
    const [header, payload, signature] = own.split('.');
    const widened = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), actions: ['deploy'] }),
    ).toString('base64url');
    await expect(
      broker.verifyTaskToken(`${header}.${widened}.${signature}`, { ...scope, action: 'deploy' }),
    ).rejects.toMatchObject({ code: 'credential-refused' });
  });

  it('caps a token life at the broker default and rejects a short signing key', async () => {
    expect(() => createCredentialBroker({ signingKey: new Uint8Array(8) })).toThrow(/at least 32 bytes/);
    expect(() => createCredentialBroker({ ttlSeconds: 86_400 })).toThrow(/ttlSeconds/);
    const clock = new Date('2026-01-01T00:00:00Z');
    const broker = createCredentialBroker({ ttlSeconds: 120, now: () => clock });
    const minted = await broker.issueTaskToken({ ...scope, ttlSeconds: 3_600 });
    expect(minted.expiresAt.toISOString()).toBe('2026-01-01T00:02:00.000Z');
  });

  it('redacts its signing key and every token it minted', async () => {
    const key = new Uint8Array(Buffer.from('k'.repeat(40)));
    const broker = createCredentialBroker({ signingKey: key });
    const { token } = await broker.issueTaskToken(scope);
    const leaked = `token=${token} key=${Buffer.from(key).toString('base64')} hex=${Buffer.from(key).toString('hex')}`;
    const redacted = broker.redact(leaked);
    expect(redacted).toBe(`token=${REDACTED} key=${REDACTED} hex=${REDACTED}`);
  });
});

describe('Redactor', () => {
  it('catches a PEM key whole, line by line, and inside JSON', () => {
    const pem = `-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAx1abcdefghijklmnop\nqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV==\n-----END RSA PRIVATE KEY-----\n`;
    const redactor = new Redactor();
    redactor.add(pem);
    expect(redactor.redact(`key: ${pem}`)).not.toContain('MIIEpAIBAAKCAQEAx1');
    expect(redactor.redact('half: qrstuvwxyzABCDEFGHIJKLMNOPQRSTUV==')).toBe(`half: ${REDACTED}`);
    const json = JSON.stringify({ config: { privateKey: pem } });
    expect(redactor.redact(json)).not.toMatch(/MIIE|qrstuv/);
    expect(redactor.redactValue({ nested: [pem] })).toEqual({ nested: [REDACTED] });
    expect(redactor.contains('nothing secret here')).toBe(false);
  });
});
