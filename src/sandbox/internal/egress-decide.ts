import type { EgressAllowList } from '../egress-allow-list.ts';
import type { EgressResolver } from '../egress-resolver.ts';
import { forbiddenAddressReason, parseHost } from './egress-address.ts';

export type EgressDecision =
  | { decision: 'allow'; host: string; addresses: readonly string[] }
  | { decision: 'refuse'; host: string; reason: string };

/** Names that reach a machine's own or its cloud's private services whatever they resolve to. */
const DENIED_NAMES = ['localhost', 'metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data'];

const RESOLVE_TIMEOUT_MS = 5_000;

/**
 * Decides one target: a name must be on the allow-list and resolve only to addresses outside the
 * forbidden ranges (unless the resolver vouches for them, which only the test resolver does); an IP
 * literal, in any spelling, must be listed as that literal and be outside the forbidden ranges too.
 * Never throws: anything unexpected refuses.
 */
export async function decideEgress(
  rawHost: string,
  port: number,
  allow: EgressAllowList,
  resolve: EgressResolver,
  hold?: (host: string, port: number) => string | undefined,
): Promise<EgressDecision> {
  const parsed = parseHost(rawHost);
  const host = parsed.kind === 'name' ? parsed.name : parsed.kind === 'address' ? parsed.address : rawHost;
  const refuse = (reason: string): EgressDecision => ({ decision: 'refuse', host, reason });
  try {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) return refuse('invalid port');
    if (parsed.kind === 'invalid') return refuse(parsed.reason);
    if (parsed.kind === 'address') {
      if (!allow.allows(parsed.address, port)) return refuse('IP literal not on the allow-list');
      const held = hold?.(parsed.address, port);
      if (held !== undefined) return refuse(held);
      const forbidden = forbiddenAddressReason(parsed.address);
      if (forbidden !== null) return refuse(`address is ${forbidden}`);
      return { decision: 'allow', host, addresses: [parsed.address] };
    }
    const name = parsed.name;
    if (DENIED_NAMES.includes(name) || name.endsWith('.localhost')) return refuse('name is never reachable');
    if (!allow.allows(name, port)) return refuse('not on the allow-list');
    const held = hold?.(name, port);
    if (held !== undefined) return refuse(held);
    let timer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([
      resolve(name),
      new Promise<null>((done) => {
        timer = setTimeout(() => done(null), RESOLVE_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    if (answer === null) return refuse('name resolution timed out');
    if (answer.length === 0) return refuse('name did not resolve');
    for (const entry of answer) {
      const reparsed = parseHost(entry.address);
      if (reparsed.kind !== 'address') return refuse('resolver returned something that is not an address');
      if (entry.skipAddressCheck === true) continue;
      const forbidden = forbiddenAddressReason(reparsed.address);
      // One bad address refuses the name: a name mixing public and private addresses is an attack.
      if (forbidden !== null) return refuse(`resolves to an address that is ${forbidden}`);
    }
    return { decision: 'allow', host, addresses: answer.map((entry) => entry.address) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return refuse(code ? `could not resolve (${code})` : 'could not decide');
  }
}
