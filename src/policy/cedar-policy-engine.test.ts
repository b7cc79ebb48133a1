import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../spec/errors.ts';
import { createCedarPolicyEngine } from './cedar-policy-engine.ts';
import { defaultBundleDir } from './default-bundle-dir.ts';
import { compilePolicyBundle, loadPolicyBundle } from './load-policy-bundle.ts';

const schema = readFileSync(path.join(defaultBundleDir(), 'schema.cedarschema'), 'utf8');
const workspace = mkdtempSync(path.join(tmpdir(), 'warden-engine-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

function engineWith(text: string) {
  return createCedarPolicyEngine({
    bundle: compilePolicyBundle({ files: [{ name: 'test.cedar', text }], schema }),
    principal: { agent: 'unit', team: 'test', trustTier: 1 },
    workspace: { hostDir: workspace },
    unparsable: 'ask',
  });
}

const permitAll = '@id("permit-all") permit (principal, action, resource);';
const askWrites =
  '@id("ask-writes") @ask("writes need a look") permit (principal, action == Warden::Action::"tool.write_file", resource);';
const forbidOutside =
  '@id("no-outside") @reason("stay home") forbid (principal, action == Warden::Action::"tool.write_file", resource) unless { context.inWorkspace };';
const write = (file: string) => ({ id: 'w', name: 'write_file', input: { path: file, content: 'x' } });

describe('the Cedar policy engine', () => {
  it('allows on a plain permit, asks when an @ask permit also matches, denies when a forbid matches', async () => {
    const engine = engineWith([permitAll, askWrites, forbidOutside].join('\n'));
    expect(await engine.decide({ id: 'r', name: 'read_file', input: { path: 'a.txt' } })).toMatchObject({
      decision: 'allow',
      policyIds: ['permit-all'],
    });
    expect(await engine.decide(write('a.txt'))).toMatchObject({
      decision: 'ask',
      policyIds: ['ask-writes'],
      reasons: ['writes need a look'],
    });
    expect(await engine.decide(write('/etc/passwd'))).toMatchObject({
      decision: 'deny',
      policyIds: ['no-outside'],
      reasons: ['stay home'],
    });
  });

  it('denies when no policy permits', async () => {
    const engine = engineWith(askWrites);
    const decision = await engine.decide({ id: 'r', name: 'read_file', input: { path: 'a.txt' } });
    expect(decision.decision).toBe('deny');
    expect(decision.reasons[0]).toContain('no policy permits tool.read_file');
  });

  it('takes the strictest answer over the simple commands of a command line', async () => {
    const engine = engineWith(
      [
        '@id("ls") permit (principal, action, resource == Warden::Command::"ls");',
        '@id("cat-asks") @ask("cat?") permit (principal, action, resource == Warden::Command::"cat");',
      ].join('\n'),
    );
    expect((await engine.decide({ id: 's', name: 'shell', input: { command: 'ls; ls' } })).decision).toBe(
      'allow',
    );
    expect((await engine.decide({ id: 's', name: 'shell', input: { command: 'ls; cat x' } })).decision).toBe(
      'ask',
    );
    expect(
      (await engine.decide({ id: 's', name: 'shell', input: { command: 'ls | cat x; rm y' } })).decision,
    ).toBe('deny');
  });

  it('refuses to load an invalid bundle, naming the file and line', async () => {
    const broken =
      '@id("a") permit (principal, action, resource);\n\npermit (principal, action, resource) when { context.nope == };';
    expect(() => compilePolicyBundle({ files: [{ name: 'broken.cedar', text: broken }], schema })).toThrow(
      /broken\.cedar:3:\d+: /,
    );
    const unknownAttribute =
      'permit (principal, action == Warden::Action::"tool.read_file", resource)\n  when { context.inWorkspac };';
    expect(() =>
      compilePolicyBundle({ files: [{ name: 'typo.cedar', text: unknownAttribute }], schema }),
    ).toThrow(/typo\.cedar:2:\d+: .*inWorkspac.*did you mean `inWorkspace`/s);
    expect(() =>
      compilePolicyBundle({ files: [{ name: 'a.cedar', text: `${permitAll}\n${permitAll}` }], schema }),
    ).toThrow(/already used/);
    expect(() =>
      compilePolicyBundle({
        files: [{ name: 'a.cedar', text: '@ask forbid (principal, action, resource);' }],
        schema,
      }),
    ).toThrow(/@ask is only meaningful on a permit/);
    expect(() => loadPolicyBundle(path.join(workspace, 'missing'))).toThrow(UserError);
  });

  it('denies, not throws, when the bundle cannot load', async () => {
    const engine = createCedarPolicyEngine({
      bundleDir: path.join(workspace, 'missing'),
      principal: { agent: 'unit', team: 'test', trustTier: 1 },
      workspace: { hostDir: workspace },
      unparsable: 'ask',
    });
    await expect(engine.load()).rejects.toThrow(/no such policy bundle/);
    expect(await engine.decide(write('a.txt'))).toMatchObject({ decision: 'deny', policyIds: ['error'] });
  });

  it('denies when a policy fails to evaluate, even if another permits', async () => {
    const engine = engineWith(
      [
        permitAll,
        '@id("overflows") forbid (principal, action == Warden::Action::"net.connect", resource) when { context.port * 4611686018427387904 > 0 };',
      ].join('\n'),
    );
    const decision = await engine.decideAction({
      action: 'net.connect',
      resource: { type: 'Host', id: 'example.org' },
      context: { host: 'example.org', port: 443, onAllowList: true },
    });
    expect(decision.decision).toBe('deny');
    expect(decision.policyIds).toContain('overflows');
    expect(decision.reasons.join(' ')).toMatch(/failed to evaluate/);
  });

  it('answers a repeated request as the first time, and never carries an answer to another request', async () => {
    const engine = engineWith([permitAll, askWrites, forbidOutside].join('\n'));
    for (let round = 0; round < 3; round++) {
      expect(await engine.decide(write('a.txt'))).toMatchObject({
        decision: 'ask',
        policyIds: ['ask-writes'],
      });
      expect(await engine.decide(write('/etc/passwd'))).toMatchObject({
        decision: 'deny',
        reasons: ['stay home'],
      });
    }
    // A failed evaluation is met again each time, never remembered as an answer.
    const failing = engineWith(
      [
        permitAll,
        '@id("overflows") forbid (principal, action == Warden::Action::"net.connect", resource) when { context.port * 4611686018427387904 > 0 };',
      ].join('\n'),
    );
    const request = {
      action: 'net.connect',
      resource: { type: 'Host' as const, id: 'example.org' },
      context: { host: 'example.org', port: 443, onAllowList: true },
    };
    for (let round = 0; round < 2; round++) {
      expect(await failing.decideAction(request)).toMatchObject({
        decision: 'deny',
        policyIds: ['overflows'],
      });
    }
  });

  it('denies an action whose context does not fit the schema', async () => {
    const engine = engineWith(permitAll);
    const decision = await engine.decideAction({
      action: 'deploy',
      resource: { type: 'Repository', id: 'acme/app' },
      context: { environment: 'prod' },
    });
    expect(decision).toMatchObject({ decision: 'deny', policyIds: ['error'] });
  });

  it('denies unknown tools and malformed input', async () => {
    const engine = engineWith(permitAll);
    expect(await engine.decide({ id: 'x', name: 'teleport', input: {} })).toMatchObject({
      decision: 'deny',
      policyIds: ['unknown-tool'],
    });
    expect(await engine.decide({ id: 'x', name: 'shell', input: { cmd: 'ls' } })).toMatchObject({
      decision: 'deny',
      policyIds: ['invalid-input'],
    });
  });
});
