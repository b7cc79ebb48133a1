import { describe, expect, test } from 'vitest';
import { UserError } from '../spec/errors.ts';
import { createEgressAllowList, EGRESS_GROUPS } from './egress-allow-list.ts';

describe('egress allow-list', () => {
  test('is empty by default: nothing is allowed', () => {
    const list = createEgressAllowList([]);
    expect(list.allows('registry.npmjs.org', 443)).toBe(false);
  });

  test('exact names match themselves only, on ports 80 and 443 unless a port is given', () => {
    const list = createEgressAllowList(['Example.COM', 'api.example.org:8443']);
    expect(list.allows('example.com', 443)).toBe(true);
    expect(list.allows('EXAMPLE.com.', 80)).toBe(true);
    expect(list.allows('example.com', 22)).toBe(false);
    expect(list.allows('www.example.com', 443)).toBe(false);
    expect(list.allows('example.com.evil.net', 443)).toBe(false);
    expect(list.allows('api.example.org', 8443)).toBe(true);
    expect(list.allows('api.example.org', 443)).toBe(false);
  });

  test('a wildcard matches subdomains at any depth but never the bare domain', () => {
    const list = createEgressAllowList(['*.example.com']);
    expect(list.allows('a.example.com', 443)).toBe(true);
    expect(list.allows('a.b.example.com', 443)).toBe(true);
    expect(list.allows('example.com', 443)).toBe(false);
    expect(list.allows('evilexample.com', 443)).toBe(false);
    expect(list.allows('example.com.evil.net', 443)).toBe(false);
    const both = createEgressAllowList(['*.example.com', 'example.com']);
    expect(both.allows('example.com', 443)).toBe(true);
  });

  test('an IP literal matches only when that literal is listed, in any spelling', () => {
    const list = createEgressAllowList(['203.0.113.7', '[2001:db8::1]:8080']);
    expect(list.allows('203.0.113.7', 443)).toBe(true);
    expect(list.allows('3405803783', 443)).toBe(true);
    expect(list.allows('2001:0db8:0::1', 8080)).toBe(true);
    expect(list.allows('203.0.113.8', 443)).toBe(false);
    expect(createEgressAllowList(['example.com']).allows('93.184.215.14', 443)).toBe(false);
  });

  test('names normalise to what was listed; malformed targets never match', () => {
    const list = createEgressAllowList(['example.com', '*.example.com']);
    expect(list.entries).toEqual(['example.com', '*.example.com']);
    expect(list.allows('exa mple.com', 443)).toBe(false);
    expect(list.allows('', 443)).toBe(false);
  });

  test('rejects entries it cannot read, naming them', () => {
    for (const entry of ['*', '*.com', 'a.*.example.com', 'exa mple.com', 'example.com:99999', '1.2.3.4.5']) {
      expect(() => createEgressAllowList([entry])).toThrow(UserError);
    }
    expect(() => createEgressAllowList(['bad host'])).toThrow(/"bad host"/);
  });

  test('the named groups are data that an allow-list accepts', () => {
    expect(EGRESS_GROUPS.npm).toEqual(['registry.npmjs.org']);
    const list = createEgressAllowList([...EGRESS_GROUPS.pypi, ...EGRESS_GROUPS.github]);
    expect(list.allows('files.pythonhosted.org', 443)).toBe(true);
    expect(list.allows('codeload.github.com', 443)).toBe(true);
    expect(list.allows('gist.github.com', 443)).toBe(false);
    for (const hosts of Object.values(EGRESS_GROUPS))
      expect(() => createEgressAllowList(hosts)).not.toThrow();
  });
});
