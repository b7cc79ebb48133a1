import os from 'node:os';
import { describe, expect, test } from 'vitest';
import { createStaticEgressResolver } from '../../testing/index.ts';
import { createEgressAllowList } from '../egress-allow-list.ts';
import type { EgressResolver } from '../egress-resolver.ts';
import { parseHost } from './egress-address.ts';
import { decideEgress } from './egress-decide.ts';

const resolvesTo =
  (...addresses: string[]): EgressResolver =>
  async () =>
    addresses.map((address) => ({ address }));

describe('reading hosts', () => {
  test.each([
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0X7F.0.0.1', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['017700000001', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['169.254.43518', '169.254.169.254'],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1'],
    ['::FFFF:7F00:0001', '::ffff:7f00:1'],
  ])('%s is the address %s', (raw, address) => {
    expect(parseHost(raw)).toMatchObject({ kind: 'address', address });
  });

  test.each(['1.2.3.4.5', '4294967296', '1.256.0.1', '08.0.0.1', '0x100.0.0.1', '[::1%eth0]', 'a b', 'a..b'])(
    '%s is refused as unreadable',
    (raw) => {
      expect(parseHost(raw).kind).toBe('invalid');
    },
  );
});

describe('deciding a target', () => {
  const everything = createEgressAllowList(['example.com', '*.example.com']);

  test.each([
    '127.0.0.1',
    '2130706433',
    '0x7f000001',
    '0177.0.0.1',
    '127.1',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a9fe:a9fe',
    '2002:7f00:1::',
    '169.254.169.254',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    'fd00::1',
    'fe80::1',
    'ff02::1',
    '::',
  ])('refuses a name that resolves to %s', async (address) => {
    const verdict = await decideEgress('www.example.com', 443, everything, resolvesTo(address));
    expect(verdict).toMatchObject({
      decision: 'refuse',
      reason: expect.stringMatching(/resolves to an address/),
    });
  });

  test('refuses a name if any one of its addresses is forbidden', async () => {
    const verdict = await decideEgress(
      'example.com',
      443,
      everything,
      resolvesTo('93.184.215.14', '10.0.0.1'),
    );
    expect(verdict.decision).toBe('refuse');
  });

  test("refuses the host's own interface addresses", async () => {
    const own = Object.values(os.networkInterfaces())
      .flat()
      .map((info) => info?.address)
      .filter((address): address is string => address !== undefined && !address.includes('%'));
    for (const address of own) {
      const verdict = await decideEgress('example.com', 443, everything, resolvesTo(address));
      expect(verdict.decision, address).toBe('refuse');
    }
  });

  test('refuses IP literals unless listed, and loopback or metadata literals even when listed', async () => {
    const verdict = await decideEgress('93.184.215.14', 443, everything, resolvesTo());
    expect(verdict).toMatchObject({ decision: 'refuse', reason: 'IP literal not on the allow-list' });
    const listed = createEgressAllowList(['127.0.0.1', '169.254.169.254:80', '93.184.215.14']);
    for (const literal of ['2130706433', '0x7f000001', '127.1', '[::ffff:127.0.0.1]']) {
      expect((await decideEgress(literal, 443, listed, resolvesTo())).decision, literal).toBe('refuse');
    }
    expect((await decideEgress('169.254.169.254', 80, listed, resolvesTo())).decision).toBe('refuse');
    expect(await decideEgress('93.184.215.14', 443, listed, resolvesTo())).toMatchObject({
      decision: 'allow',
      addresses: ['93.184.215.14'],
    });
  });

  test('refuses metadata and localhost names even when listed', async () => {
    const listed = createEgressAllowList(['metadata.google.internal', 'localhost', 'a.localhost']);
    for (const name of [
      'metadata.google.internal',
      'localhost',
      'a.localhost',
      'METADATA.GOOGLE.INTERNAL.',
    ]) {
      const verdict = await decideEgress(
        name,
        443,
        listed,
        createStaticEgressResolver({ [name]: '93.184.215.14' }),
      );
      expect(verdict.decision, name).toBe('refuse');
    }
  });

  test('fails closed when the resolver fails, answers nothing or answers nonsense', async () => {
    const failing: EgressResolver = async () => {
      throw Object.assign(new Error('boom'), { code: 'ENOTFOUND' });
    };
    expect(await decideEgress('example.com', 443, everything, failing)).toMatchObject({
      decision: 'refuse',
      reason: 'could not resolve (ENOTFOUND)',
    });
    expect((await decideEgress('example.com', 443, everything, resolvesTo())).decision).toBe('refuse');
    expect((await decideEgress('example.com', 443, everything, resolvesTo('not-an-ip'))).decision).toBe(
      'refuse',
    );
    expect((await decideEgress('example.com', 0, everything, resolvesTo('93.184.215.14'))).decision).toBe(
      'refuse',
    );
  });

  test('allows a listed name with public addresses and returns exactly what was resolved', async () => {
    let calls = 0;
    const resolver: EgressResolver = async () => {
      calls++;
      return [{ address: '93.184.215.14' }, { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c' }];
    };
    const verdict = await decideEgress('example.com', 443, everything, resolver);
    expect(verdict).toEqual({
      decision: 'allow',
      host: 'example.com',
      addresses: ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    });
    expect(calls).toBe(1);
  });

  test('only the test resolver can vouch for a loopback answer', async () => {
    const listed = createEgressAllowList(['allowed.test']);
    const verdict = await decideEgress(
      'allowed.test',
      80,
      listed,
      createStaticEgressResolver({ 'allowed.test': '127.0.0.1' }),
    );
    expect(verdict).toMatchObject({ decision: 'allow', addresses: ['127.0.0.1'] });
  });
});
