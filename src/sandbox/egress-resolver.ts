import { lookup } from 'node:dns/promises';

/** One address a resolver found for a name. */
export interface EgressResolvedAddress {
  address: string;
  /**
   * Test-only: the proxy connects to this address even if it is loopback, private or link-local.
   * Only `createStaticEgressResolver` sets it; the default resolver never does.
   */
  skipAddressCheck?: boolean;
}

/**
 * Turns a host name into the addresses the proxy may connect to. It is asked once per connection and
 * the proxy connects to exactly what it answered, so a name cannot be re-resolved to something else
 * between the check and the connection. An empty answer or a rejection refuses the connection.
 */
export type EgressResolver = (name: string) => Promise<readonly EgressResolvedAddress[]>;

/**
 * The default resolver: the host's own resolver (`getaddrinfo` through `node:dns`, so /etc/hosts
 * counts), every address returned, each then checked by the proxy against forbidden ranges.
 */
export const resolveWithSystemDns: EgressResolver = async (name) => {
  const found = await lookup(name, { all: true, verbatim: true });
  return found.map((entry) => ({ address: entry.address }));
};

/**
 * Test-only: a resolver answering from a fixed table (`{ 'allowed.test': '127.0.0.1' }`) whose answers
 * skip the forbidden-address check, so a test can allow a name that points at a server on 127.0.0.1.
 * Names not in the table do not resolve. Never use it outside tests: it is the one way to let the
 * proxy reach loopback.
 */
export function createStaticEgressResolver(table: Readonly<Record<string, string>>): EgressResolver {
  const entries = new Map(Object.entries(table).map(([name, address]) => [name.toLowerCase(), address]));
  return async (name) => {
    const address = entries.get(name.toLowerCase());
    return address === undefined ? [] : [{ address, skipAddressCheck: true }];
  };
}
