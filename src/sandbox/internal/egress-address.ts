import { BlockList, isIPv4, isIPv6 } from 'node:net';
import os from 'node:os';

/** A host as the proxy sees it: a name to resolve, a literal address, or something it refuses to read. */
export type ParsedHost =
  | { kind: 'name'; name: string }
  | { kind: 'address'; address: string; family: 4 | 6 }
  | { kind: 'invalid'; reason: string };

const NAME =
  /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const NUMERIC_LABEL = /^(0x[0-9a-f]*|[0-9]+)$/;

/**
 * Reads a host the way the most permissive resolver would (inet_aton, the WHATWG URL parser): a last
 * label that is a number makes the whole host an IPv4 literal, so `2130706433`, `0x7f000001`,
 * `0177.0.0.1` and `127.1` all come out as `127.0.0.1` and are judged as such. Brackets around IPv6
 * are removed; IPv4-mapped IPv6 stays IPv6 here (the range check looks inside it). Anything that is
 * neither a clean name nor a literal is `invalid`, which the proxy refuses.
 */
export function parseHost(raw: string): ParsedHost {
  let host = raw.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) {
    const inner = host.slice(1, -1);
    if (isIPv6(inner) && !inner.includes('%'))
      return { kind: 'address', address: canonicalIpv6(inner), family: 6 };
    return { kind: 'invalid', reason: 'malformed IPv6 literal' };
  }
  if (host.includes(':')) {
    if (isIPv6(host) && !host.includes('%'))
      return { kind: 'address', address: canonicalIpv6(host), family: 6 };
    return { kind: 'invalid', reason: 'malformed host' };
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '') return { kind: 'invalid', reason: 'empty host' };
  const labels = host.split('.');
  if (NUMERIC_LABEL.test(labels.at(-1)!)) {
    const address = parseIpv4Loose(labels);
    if (address === null) return { kind: 'invalid', reason: 'numeric host that is not a valid IPv4 address' };
    return { kind: 'address', address, family: 4 };
  }
  if (!NAME.test(host)) return { kind: 'invalid', reason: 'not a valid host name' };
  return { kind: 'name', name: host };
}

/** The compressed lower-case form (`2001:db8::1`, `::ffff:7f00:1`), so equal addresses compare equal. */
function canonicalIpv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/** inet_aton: 1 to 4 parts, each decimal, 0x-hex or 0-octal; the last part fills the remaining bytes. */
function parseIpv4Loose(labels: string[]): string | null {
  if (labels.length > 4) return null;
  const numbers: number[] = [];
  for (const label of labels) {
    let value: number;
    if (/^0x[0-9a-f]*$/.test(label)) value = label.length === 2 ? 0 : Number.parseInt(label.slice(2), 16);
    else if (/^0[0-7]+$/.test(label)) value = Number.parseInt(label.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(label)) value = Number(label);
    else return null;
    if (!Number.isSafeInteger(value)) return null;
    numbers.push(value);
  }
  const last = numbers.pop()!;
  if (numbers.some((part) => part > 255)) return null;
  const lastBytes = 4 - numbers.length;
  if (last >= 2 ** (8 * lastBytes)) return null;
  let total = last;
  numbers.forEach((part, index) => {
    total += part * 2 ** (8 * (3 - index));
  });
  return [24, 16, 8, 0].map((shift) => Math.floor(total / 2 ** shift) % 256).join('.');
}

const BLOCKED_IPV4: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved or broadcast'],
];

const BLOCKED_IPV6: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['100::', 64, 'discard'],
  ['fc00::', 7, 'private (unique local)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

/** IPv6 prefixes that carry an IPv4 address in their last 32 bits (or bits 16..48 for 6to4). */
function embeddedIpv4(address: string): string | null {
  const groups = expandIpv6(address);
  if (groups === null) return null;
  const toIpv4 = (high: number, low: number) => [high >> 8, high & 255, low >> 8, low & 255].join('.');
  const zeros = (count: number) => groups.slice(0, count).every((group) => group === 0);
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (translated), 64:ff9b::/96 (NAT64).
  if (zeros(5) && groups[5] === 0xffff) return toIpv4(groups[6]!, groups[7]!);
  if (zeros(6) && (groups[6] !== 0 || groups[7]! > 1)) return toIpv4(groups[6]!, groups[7]!);
  if (zeros(4) && groups[4] === 0xffff && groups[5] === 0) return toIpv4(groups[6]!, groups[7]!);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((group) => group === 0)) {
    return toIpv4(groups[6]!, groups[7]!);
  }
  if (groups[0] === 0x2002) return toIpv4(groups[1]!, groups[2]!);
  return null;
}

function expandIpv6(address: string): number[] | null {
  if (!isIPv6(address)) return null;
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const bytes = dotted[1]!.split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const all = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  if (all.length !== 8) return null;
  return all.map((group) => Number.parseInt(group, 16));
}

/**
 * Why an address must not be reached from the sandbox, or `null` when it may: loopback, private,
 * shared, link-local (the cloud metadata address 169.254.169.254 among them), unspecified, multicast,
 * reserved, any of this host's own interface addresses, and IPv6 forms that embed one of those.
 * An address it cannot read is refused.
 */
export function forbiddenAddressReason(address: string): string | null {
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
  if (family === null) return 'not an IP address';
  const candidates = [address.toLowerCase()];
  if (family === 'ipv6') {
    const inner = embeddedIpv4(address);
    if (inner !== null) candidates.push(inner);
  }
  for (const candidate of candidates) {
    const candidateFamily = isIPv4(candidate) ? 'ipv4' : 'ipv6';
    for (const [network, prefix, reason] of candidateFamily === 'ipv4' ? BLOCKED_IPV4 : BLOCKED_IPV6) {
      const single = new BlockList();
      single.addSubnet(network, prefix, candidateFamily);
      if (single.check(candidate, candidateFamily)) return reason;
    }
    for (const addresses of Object.values(os.networkInterfaces())) {
      for (const info of addresses ?? []) {
        const own = info.address.toLowerCase().split('%')[0]!;
        if (own === candidate || (isIPv6(own) && expandIpv6(own)?.join() === expandIpv6(candidate)?.join())) {
          return "one of this host's own addresses";
        }
      }
    }
  }
  return null;
}
