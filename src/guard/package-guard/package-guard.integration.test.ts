import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCedarPolicyEngine,
  createShellParser,
  defaultBundleDir,
  loadPolicyBundle,
} from '../../policy/index.ts';
import type { Decision } from '../../spec/types.ts';
import { type PackageRegistryServer, startPackageRegistry } from '../../testing/index.ts';
import { withPackageGuard } from './guarded-decider.ts';
import { createPackageGuard, type PackageGuardSettings } from './package-guard.ts';
import { loadPopularNames } from './popular-names.ts';
import { createRegistryClient } from './registry-client.ts';

describe('the package guard against a local npm and PyPI registry', () => {
  let registry: PackageRegistryServer;
  let workspace: string;
  const bundle = loadPolicyBundle(defaultBundleDir());
  const parser = createShellParser();

  beforeAll(async () => {
    registry = await startPackageRegistry();
    workspace = mkdtempSync(path.join(tmpdir(), 'package-guard-'));
  });
  afterAll(async () => {
    await registry.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  const decide = async (
    command: string,
    options: Partial<PackageGuardSettings> & { registryUrl?: string } = {},
  ): Promise<Decision> => {
    const url = options.registryUrl ?? registry.url;
    const engine = createCedarPolicyEngine({
      bundle,
      principal: { agent: 'coder', team: 'default', trustTier: 1 },
      workspace: { hostDir: workspace },
      unparsable: 'ask',
      shellParser: parser,
    });
    const guard = createPackageGuard({
      registry: createRegistryClient({
        registries: { npm: url, pypi: url, crates: url, go: url },
        timeoutMs: 2000,
      }),
      popular: loadPopularNames(),
      minAgeDays: 7,
      allowScripts: false,
      failOpen: false,
      ...options,
    });
    const files = { read: (file: string) => readFile(path.join(workspace, file)) };
    const decider = withPackageGuard(engine, { guard, parser, workspace: files });
    return await decider.decide({ id: 'c1', name: 'shell', input: { command } });
  };

  it('refuses a typosquat of a popular npm package, suggesting it', async () => {
    const decision = await decide('npm install lodahs');
    expect(decision.decision).toBe('deny');
    expect(decision.reasons.join('\n')).toMatch(
      /npm install lodahs: no such package on the npm registry; did you mean lodash\?/,
    );
    expect(decision.policyIds).toEqual(['package-guard:exists']);
  });

  it('refuses a typosquat of a popular PyPI project, suggesting it', async () => {
    const decision = await decide('pip install reqeusts');
    expect(decision.decision).toBe('deny');
    expect(decision.reasons.join('\n')).toMatch(/did you mean requests\?/);
  });

  it('refuses a young package a typo away from a popular one, and lets an established near-name be', async () => {
    const squat = await decide('npm install expresss@1.0.0');
    expect(squat).toMatchObject({ decision: 'deny', policyIds: ['package-guard:typosquat'] });
    expect(squat.reasons[0]).toMatch(/looks like a typosquat of express .*did you mean express\?/);
    expect((await decide('npm install colors@1.5.0')).decision).toBe('allow');
    expect((await decide('npm install expresss@1.0.0', { allow: ['npm:expresss'] })).decision).toBe('allow');
  });

  it('refuses a package that does not exist', async () => {
    const decision = await decide('npm install does-not-exist-xyz');
    expect(decision).toMatchObject({ decision: 'deny', policyIds: ['package-guard:exists'] });
    expect(decision.reasons[0]).toContain('no such package on the npm registry');
    expect(decision.reasons[0]).not.toContain('did you mean');
  });

  it('allows a version older than the minimum age and refuses one published yesterday', async () => {
    const old = await decide('npm install lodash@4.17.21');
    expect(old.decision, old.reasons.join('\n')).toBe('allow');
    expect(old.policyIds).toContain('package-guard');
    const young = await decide('npm install lodash@4.17.22');
    expect(young).toMatchObject({ decision: 'deny', policyIds: ['package-guard:age'] });
    expect(young.reasons[0]).toMatch(/published 1 day ago.*pin an older one, e\.g\. lodash@4\.17\.21/);
    // No version: the latest, which is yesterday's; a range takes its newest match.
    expect((await decide('npm i lodash')).decision).toBe('deny');
    expect((await decide('npm i lodash@~4.17.20 --save-dev')).decision).toBe('deny');
    expect((await decide('npm i "lodash@>=4.17.0 <4.17.22"')).decision).toBe('allow');
    expect((await decide('pip install requests==2.31.0')).decision).toBe('allow');
    expect((await decide('python3 -m pip install requests')).policyIds).toEqual(['package-guard:age']);
  });

  it('refuses a version that gained an install script since the lockfile, and one whose lockfile integrity differs', async () => {
    const lock = (integrity: string) =>
      writeFileSync(
        path.join(workspace, 'package-lock.json'),
        JSON.stringify({
          lockfileVersion: 3,
          packages: {
            '': { name: 'app' },
            'node_modules/colorful-logger': { version: '1.0.0', integrity },
          },
        }),
      );
    lock(registry.integrityOf('colorful-logger', '1.0.0'));
    const gained = await decide('npm install colorful-logger@1.1.0 --ignore-scripts');
    expect(gained).toMatchObject({ decision: 'deny', policyIds: ['package-guard:install-script-added'] });
    expect(gained.reasons[0]).toMatch(
      /1\.1\.0 adds an install script \(postinstall\) that 1\.0\.0, pinned in .*package-lock\.json, did not have/,
    );
    lock('sha512-tampered');
    const tampered = await decide('npm install colorful-logger@1.0.0');
    expect(tampered).toMatchObject({ decision: 'deny', policyIds: ['package-guard:integrity'] });
    rmSync(path.join(workspace, 'package-lock.json'));
  });

  it('keeps install scripts off unless --ignore-scripts is given or the agent allows them', async () => {
    expect((await decide('npm install native-thing')).policyIds).toEqual([
      'package-guard:install-scripts-off',
    ]);
    expect((await decide('npm install --ignore-scripts native-thing')).decision).toBe('allow');
    expect((await decide('npm install native-thing', { allowScripts: true })).decision).toBe('allow');
  });

  it('checks requirement files line by line and refuses what it cannot check', async () => {
    writeFileSync(path.join(workspace, 'requirements.txt'), 'requests==2.31.0  # pinned\nreqeusts\n');
    const decision = await decide('pip install -r requirements.txt');
    expect(decision.decision).toBe('deny');
    expect(decision.reasons).toHaveLength(1);
    expect(decision.reasons[0]).toMatch(/reqeusts.*did you mean requests\?/);
    expect(
      (await decide('pip install --index-url http://elsewhere.example/simple requests==2.31.0')).policyIds,
    ).toEqual(['package-guard:unjudged']);
    expect((await decide('npm install github:someone/thing')).policyIds).toEqual(['package-guard:unjudged']);
  });

  it('fails closed when the registry cannot be reached, unless configured to fail open', async () => {
    const down = 'http://127.0.0.1:9';
    const closed = await decide('npm install lodash@4.17.21', { registryUrl: down });
    expect(closed).toMatchObject({ decision: 'deny', policyIds: ['package-guard:registry-unreachable'] });
    expect(closed.reasons[0]).toMatch(/the npm registry cannot be reached to check it/);
    expect((await decide('npm install lodash@4.17.21', { registryUrl: down, failOpen: true })).decision).toBe(
      'allow',
    );
    // A typosquat needs no registry to be refused as one.
    expect((await decide('npm install lodahs', { registryUrl: down })).policyIds).toEqual([
      'package-guard:typosquat',
    ]);
  });

  it('leaves commands that install nothing, and policy denials, as the policy decided', async () => {
    const hits = registry.hits.length;
    expect((await decide('npm test')).policyIds).not.toContain('package-guard');
    expect((await decide('sudo npm install lodahs')).policyIds).not.toContain('package-guard:exists');
    expect(registry.hits.length).toBe(hits);
  });
});
