import { lookup } from 'node:dns/promises';

/** One address a resolver found for a name. */
export interface EgressResolvedAddress {
  address: string;
  /**
   * Test-only: the proxy connects to this address even if it is loopback, private or link-local.
   * Only the testing entry's `createStaticEgressResolver` sets it; the default resolver never does.
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
