import { UserError } from '../spec/errors.ts';
import { parseHost } from './internal/egress-address.ts';

/**
 * Named groups of hosts the operator can switch on per agent, as data: spread the ones you want into
 * the allow-list (`[...EGRESS_GROUPS.npm, ...EGRESS_GROUPS.github]`). Each entry allows ports 80 and 443.
 */
export const EGRESS_GROUPS = {
  npm: ['registry.npmjs.org'],
  pypi: ['pypi.org', 'files.pythonhosted.org'],
  crates: ['crates.io', 'static.crates.io', 'index.crates.io'],
  go: ['proxy.golang.org', 'sum.golang.org'],
  github: [
    'github.com',
    'api.github.com',
    'codeload.github.com',
    'objects.githubusercontent.com',
    'raw.githubusercontent.com',
  ],
} as const satisfies Record<string, readonly string[]>;

export type EgressGroupName = keyof typeof EGRESS_GROUPS;

/** The ports an entry without `:port` allows. */
export const DEFAULT_EGRESS_PORTS: readonly number[] = [80, 443];

/** A compiled allow-list: which host and port the sandbox may reach by name. */
export interface EgressAllowList {
  /** The entries it was built from, normalised. */
  readonly entries: readonly string[];
  /**
   * Whether `host` (a name as written by the client, or a literal address in canonical form) on
   * `port` is listed. Names match exact entries and `*.suffix` entries (a subdomain at any depth, never
   * the bare suffix); addresses match only an entry with the same literal.
   */
  allows(host: string, port: number): boolean;
}

interface Entry {
  kind: 'exact' | 'suffix' | 'address';
  value: string;
  ports: readonly number[];
}

function parseEntry(raw: string): Entry {
  const fail = (what: string) =>
    new UserError('config-invalid', `egress allow-list entry ${JSON.stringify(raw)}: ${what}`, {
      hint: 'use a host name (registry.npmjs.org), a wildcard (*.example.com), or an IP literal, each with an optional :port',
    });
  let text = raw.trim().toLowerCase();
  let ports = DEFAULT_EGRESS_PORTS;
  const portMatch = /^(.*[^:]):(\d{1,5})$/.exec(text);
  if (portMatch && (!text.startsWith('[') || portMatch[1]!.endsWith(']'))) {
    const port = Number(portMatch[2]);
    if (port < 1 || port > 65_535) throw fail('port out of range');
    ports = [port];
    text = portMatch[1]!;
  }
  if (text.startsWith('*.')) {
    const parsed = parseHost(text.slice(2));
    if (parsed.kind !== 'name' || !parsed.name.includes('.')) {
      throw fail('a wildcard needs a domain with at least two labels after "*."');
    }
    return { kind: 'suffix', value: parsed.name, ports };
  }
  if (text.includes('*')) throw fail('"*" is only allowed as the first label ("*.example.com")');
  const parsed = parseHost(text);
  if (parsed.kind === 'invalid') throw fail(parsed.reason);
  if (parsed.kind === 'address') return { kind: 'address', value: parsed.address, ports };
  return { kind: 'exact', value: parsed.name, ports };
}

/**
 * Builds an allow-list from entries: `host`, `*.suffix` or an IP literal (`203.0.113.7`,
 * `[2001:db8::1]`), each optionally with `:port` (otherwise ports 80 and 443). An empty list allows
 * nothing. Listing a name never lets it reach loopback, private or metadata addresses: the proxy
 * checks what the name resolves to as well.
 *
 * @throws UserError `config-invalid` for an entry it cannot read, naming the entry.
 */
export function createEgressAllowList(entries: readonly string[]): EgressAllowList {
  const parsed = entries.map(parseEntry);
  return {
    entries: parsed.map((entry) => {
      const host =
        entry.kind === 'suffix'
          ? `*.${entry.value}`
          : entry.value.includes(':')
            ? `[${entry.value}]`
            : entry.value;
      return entry.ports === DEFAULT_EGRESS_PORTS ? host : `${host}:${entry.ports[0]}`;
    }),
    allows(host, port) {
      const target = parseHost(host);
      if (target.kind === 'invalid') return false;
      return parsed.some((entry) => {
        if (!entry.ports.includes(port)) return false;
        if (target.kind === 'address') return entry.kind === 'address' && entry.value === target.address;
        if (entry.kind === 'exact') return entry.value === target.name;
        if (entry.kind === 'suffix') return target.name.endsWith(`.${entry.value}`);
        return false;
      });
    },
  };
}
