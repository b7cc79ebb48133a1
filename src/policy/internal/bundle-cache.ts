import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { canonicalHash } from '../../spec/canonical-hash.ts';
import type { EntityJson } from './cedar.ts';

/** Bumped whenever what is cached, or how it is derived from a bundle, changes. */
const CACHE_FORMAT = 1;

const CachedPolicy = z.object({
  id: z.string(),
  source: z.string(),
  effect: z.enum(['permit', 'forbid']),
  ask: z.string().optional(),
  reason: z.string().optional(),
  text: z.string(),
});

const CachedEntity = z.object({
  uid: z.object({ type: z.string(), id: z.string() }),
  attrs: z.record(z.string(), z.unknown()),
  parents: z.array(z.object({ type: z.string(), id: z.string() })),
});

const CachedBundle = z.object({
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  schema: z.string(),
  policies: z.array(CachedPolicy),
  entities: z.array(CachedEntity),
  groups: z.array(z.tuple([z.string(), z.array(z.string())])),
});

const CacheFile = z.object({
  format: z.literal(CACHE_FORMAT),
  cedar: z.string(),
  /** The canonical hash of `bundle`: a file cut short or altered on disk is not used. */
  checksum: z.string(),
  bundle: z.unknown(),
});

/** One policy of a bundle, with what Warden reads from its annotations. */
export interface BundlePolicy {
  /** `@id("...")`, else `file.cedar:line`. Unique in the bundle. */
  id: string;
  /** Where it is written: `shell.cedar:12`. */
  source: string;
  effect: 'permit' | 'forbid';
  /** The `@ask("why")` text: a permit that matches yields `ask`. `undefined` on plain policies. */
  ask: string | undefined;
  /** `@reason("...")`, the human-readable reason given when the policy decides. */
  reason: string | undefined;
  text: string;
}

/**
 * What checking a bundle yields that evaluation needs: its digest and schema, its policies with their
 * annotations, its entities (checked against the schema) and which policies each action's set holds.
 */
export interface CheckedBundle {
  hash: string;
  schema: string;
  policies: BundlePolicy[];
  entities: EntityJson[];
  /** `[action, policy ids]`; the `*` group is for actions no policy names. */
  groups: [string, string[]][];
}

/**
 * The checked form of the bundle with this digest, as an earlier load wrote it; `undefined` when there is
 * none or it cannot be trusted (another format, another Cedar, a checksum or shape that does not hold,
 * another bundle's digest): the caller then checks the bundle again. Never throws.
 */
export function readCheckedBundle(cacheDir: string, digest: string): CheckedBundle | undefined {
  try {
    const file = CacheFile.safeParse(JSON.parse(readFileSync(cacheFile(cacheDir, digest), 'utf8')));
    if (!file.success || file.data.cedar !== cedarVersion()) return undefined;
    if (file.data.checksum !== checksum(file.data.bundle)) return undefined;
    const bundle = CachedBundle.safeParse(file.data.bundle);
    if (!bundle.success || bundle.data.hash !== digest) return undefined;
    return {
      ...bundle.data,
      policies: bundle.data.policies.map((policy) => ({
        ...policy,
        ask: policy.ask,
        reason: policy.reason,
      })),
      entities: bundle.data.entities as EntityJson[],
    };
  } catch {
    return undefined;
  }
}

/**
 * Keeps a checked bundle for the next load. Only a bundle that passed every check is ever written. Best
 * effort: a cache that cannot be written only means the next load checks the bundle again.
 */
export function writeCheckedBundle(cacheDir: string, bundle: CheckedBundle): void {
  const target = cacheFile(cacheDir, bundle.hash);
  const partial = `${target}.${process.pid}.partial`;
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const content = {
      format: CACHE_FORMAT,
      cedar: cedarVersion(),
      checksum: checksum(bundle),
      bundle,
    };
    // Written aside and renamed: a reader sees the whole file or none.
    writeFileSync(partial, JSON.stringify(content), { mode: 0o600 });
    renameSync(partial, target);
  } catch {
    try {
      rmSync(partial, { force: true });
    } catch {
      // Nothing was written where nothing can be written.
    }
  }
}

function cacheFile(cacheDir: string, digest: string): string {
  return path.join(cacheDir, `${digest}.json`);
}

function checksum(value: unknown): string {
  return canonicalHash(value);
}

/** Cedar's package version: a bundle checked by one Cedar is checked again by another. */
function cedarVersion(): string {
  const require = createRequire(import.meta.url);
  // The package's own manifest, found beside its Node build without loading Cedar itself.
  const manifest = path.join(
    path.dirname(require.resolve('@cedar-policy/cedar-wasm/nodejs')),
    '..',
    'package.json',
  );
  const parsed = z.object({ version: z.string() }).safeParse(JSON.parse(readFileSync(manifest, 'utf8')));
  return parsed.success ? parsed.data.version : 'unknown';
}
