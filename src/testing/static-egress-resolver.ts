import type { EgressResolver } from '../sandbox/index.ts';

/**
 * Test-only: a resolver answering from a fixed table (`{ 'allowed.test': '127.0.0.1' }`) whose answers
 * skip the forbidden-address check, so a test can allow a name that points at a server on 127.0.0.1.
 * Names not in the table do not resolve. It lives in the testing entry, never in production code: it is
 * the one way to let the proxy reach loopback.
 */
export function createStaticEgressResolver(table: Readonly<Record<string, string>>): EgressResolver {
  const entries = new Map(Object.entries(table).map(([name, address]) => [name.toLowerCase(), address]));
  return async (name) => {
    const address = entries.get(name.toLowerCase());
    return address === undefined ? [] : [{ address, skipAddressCheck: true }];
  };
}
