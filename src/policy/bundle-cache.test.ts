import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalHash } from '../spec/canonical-hash.ts';
import { UserError } from '../spec/errors.ts';
import { createCedarPolicyEngine } from './cedar-policy-engine.ts';
import { defaultBundleDir } from './default-bundle-dir.ts';
import { loadPolicyBundle, type PolicyBundle } from './load-policy-bundle.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'warden-bundle-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let count = 0;
/** A fresh bundle directory (the shipped schema, one policy file) and an empty cache directory. */
function setup(policies: string): { bundleDir: string; cacheDir: string } {
  count += 1;
  const bundleDir = path.join(scratch, `bundle-${count}`);
  cpSync(defaultBundleDir(), bundleDir, { recursive: true });
  for (const name of readdirSync(bundleDir)) if (name.endsWith('.cedar')) rmSync(path.join(bundleDir, name));
  writeFileSync(path.join(bundleDir, 'test.cedar'), policies);
  return { bundleDir, cacheDir: path.join(scratch, `cache-${count}`) };
}

const permitAll = '@id("permit-all") permit (principal, action, resource);';
const forbidWrites =
  '@id("no-writes") @reason("read only here") forbid (principal, action == Warden::Action::"tool.write_file", resource);';
const write = { id: 'w', name: 'write_file', input: { path: 'a.txt', content: 'x' } };
const read = { id: 'r', name: 'read_file', input: { path: 'a.txt' } };

function decide(bundle: PolicyBundle, call: typeof write | typeof read) {
  return createCedarPolicyEngine({
    bundle,
    principal: { agent: 'unit', team: 'test', trustTier: 1 },
    workspace: { hostDir: scratch },
    unparsable: 'ask',
  }).decide(call);
}

function cacheFiles(cacheDir: string): string[] {
  try {
    return readdirSync(cacheDir).map((name) => path.join(cacheDir, name));
  } catch {
    return [];
  }
}

describe('the checked-bundle cache', () => {
  it('keeps a checked bundle, and the cached load decides exactly as a full check does', async () => {
    const { bundleDir, cacheDir } = setup([permitAll, forbidWrites].join('\n'));
    const checked = loadPolicyBundle(bundleDir, { cacheDir });
    expect(cacheFiles(cacheDir)).toEqual([path.join(cacheDir, `${checked.hash}.json`)]);
    const cached = loadPolicyBundle(bundleDir, { cacheDir });
    expect(cached.hash).toBe(checked.hash);
    expect(cached.policies).toEqual(checked.policies);
    expect(cached.entities).toEqual(checked.entities);
    for (const call of [write, read]) expect(await decide(cached, call)).toEqual(await decide(checked, call));
    expect(await decide(cached, write)).toMatchObject({ decision: 'deny', reasons: ['read only here'] });
  });

  it('serves the cached form on a hit: a second load does not check the bundle again', () => {
    const { bundleDir, cacheDir } = setup(permitAll);
    const first = loadPolicyBundle(bundleDir, { cacheDir });
    const [file] = cacheFiles(cacheDir);
    // Relabel a policy in the cache (checksum kept right): only a load from the cache shows the label.
    const content = JSON.parse(readFileSync(file as string, 'utf8'));
    content.bundle.policies[0].source = 'from-the-cache:1';
    content.checksum = canonicalHash(content.bundle);
    writeFileSync(file as string, JSON.stringify(content));
    expect(loadPolicyBundle(bundleDir, { cacheDir }).policies[0]?.source).toBe('from-the-cache:1');
    expect(first.policies[0]?.source).toBe('test.cedar:1');
  });

  it('checks a changed bundle again: a now-invalid bundle fails, a changed one decides by its new text', async () => {
    const { bundleDir, cacheDir } = setup(permitAll);
    const before = loadPolicyBundle(bundleDir, { cacheDir });
    expect(await decide(before, write)).toMatchObject({ decision: 'allow' });

    writeFileSync(
      path.join(bundleDir, 'test.cedar'),
      `${permitAll}\npermit (principal, action, resource) when { context.nope };`,
    );
    expect(() => loadPolicyBundle(bundleDir, { cacheDir })).toThrow(UserError);

    writeFileSync(path.join(bundleDir, 'test.cedar'), [permitAll, forbidWrites].join('\n'));
    const after = loadPolicyBundle(bundleDir, { cacheDir });
    expect(after.hash).not.toBe(before.hash);
    expect(await decide(after, write)).toMatchObject({ decision: 'deny', policyIds: ['no-writes'] });
  });

  it('never caches an invalid bundle', () => {
    const { bundleDir, cacheDir } = setup('permit (principal, action, resource) when { context.nope };');
    expect(() => loadPolicyBundle(bundleDir, { cacheDir })).toThrow(/policy bundle/);
    expect(() => loadPolicyBundle(bundleDir, { cacheDir })).toThrow(/policy bundle/);
    expect(cacheFiles(cacheDir)).toEqual([]);
  });

  it('ignores a damaged cache file and rebuilds it from the bundle', async () => {
    const { bundleDir, cacheDir } = setup([permitAll, forbidWrites].join('\n'));
    const checked = loadPolicyBundle(bundleDir, { cacheDir });
    const [file] = cacheFiles(cacheDir);
    const whole = readFileSync(file as string, 'utf8');
    const damaged = [
      whole.slice(0, whole.length / 2),
      'not json',
      '{}',
      // A flipped byte in a policy: the checksum no longer holds, so the entry is not used.
      whole.replace('forbid (principal', 'permit (principal'),
    ];
    for (const content of damaged) {
      writeFileSync(file as string, content);
      const rebuilt = loadPolicyBundle(bundleDir, { cacheDir });
      expect(rebuilt.policies).toEqual(checked.policies);
      expect(await decide(rebuilt, write)).toMatchObject({ decision: 'deny', policyIds: ['no-writes'] });
      expect(readFileSync(file as string, 'utf8')).toBe(whole);
    }
  });

  it('loads without a cache when the cache directory cannot be written', () => {
    const { bundleDir } = setup(permitAll);
    const blocker = path.join(scratch, 'a-file');
    writeFileSync(blocker, '');
    expect(loadPolicyBundle(bundleDir, { cacheDir: path.join(blocker, 'cache') }).policies).toHaveLength(1);
  });
});
