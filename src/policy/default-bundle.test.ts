import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createCedarPolicyEngine } from './cedar-policy-engine.ts';
import { defaultBundleDir } from './default-bundle-dir.ts';
import { loadPolicyBundle } from './load-policy-bundle.ts';
import { runPolicyTests } from './run-policy-tests.ts';
import { createShellParser } from './shell-parser.ts';

interface ShellCase {
  tool: string;
  input: { command: string };
  expect: 'allow' | 'deny' | 'ask';
}

// The table lives in the bundle (tests/shell.yaml) so `warden policy test` and this suite share it.
const table = parseYaml(readFileSync(path.join(defaultBundleDir(), 'tests', 'shell.yaml'), 'utf8')) as {
  workspace: { files: Record<string, string>; symlinks: Record<string, string> };
  cases: ShellCase[];
};

describe('the default bundle on the shell table', () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'warden-default-bundle-'));
  for (const [name, content] of Object.entries(table.workspace.files)) {
    mkdirSync(path.dirname(path.join(workspace, name)), { recursive: true });
    writeFileSync(path.join(workspace, name), content);
  }
  for (const [name, target] of Object.entries(table.workspace.symlinks))
    symlinkSync(target, path.join(workspace, name));
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));
  const engine = createCedarPolicyEngine({
    bundle: loadPolicyBundle(defaultBundleDir()),
    principal: { agent: 'table', team: 'test', trustTier: 1 },
    workspace: { hostDir: workspace },
    unparsable: 'ask',
    shellParser: createShellParser(),
  });

  it('has at least 60 commands, bypass shapes included', () => {
    expect(table.cases.length).toBeGreaterThanOrEqual(60);
    const commands = table.cases.map((entry) => entry.input.command);
    for (const shape of [
      '&& git push',
      '$(git push)',
      '`git push`',
      'eval',
      'bash -c',
      'xargs',
      '-exec',
      'f()',
      'alias',
      'PATH=',
      '\u200b',
      'gіt',
    ]) {
      expect(commands.some((command) => command.includes(shape))).toBe(true);
    }
  });

  it.each(table.cases.map((entry) => [entry.input.command, entry.expect] as const))(
    '%j → %s',
    async (command, expected) => {
      const decision = await engine.decide({ id: 'table', name: 'shell', input: { command } });
      expect(decision.decision, decision.reasons.join('; ')).toBe(expected);
    },
  );

  it('holds every case of its own test files', async () => {
    const report = await runPolicyTests(defaultBundleDir());
    expect(report.failures).toEqual([]);
    expect(report.passed).toBeGreaterThan(table.cases.length);
  });

  it('names the command and the policy that denied a compound command line', async () => {
    const decision = await engine.decide({
      id: 'x',
      name: 'shell',
      input: { command: 'npm test && git push origin main' },
    });
    expect(decision).toMatchObject({ decision: 'deny', policyIds: ['shell-no-push'] });
    expect(decision.reasons[0]).toContain('`git push origin main`');
    expect(decision.bundleHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('denies what cannot be parsed when configured to', async () => {
    const strict = createCedarPolicyEngine({
      bundle: loadPolicyBundle(defaultBundleDir()),
      principal: { agent: 'table', team: 'test', trustTier: 1 },
      workspace: { hostDir: workspace },
      unparsable: 'deny',
    });
    const decision = await strict.decide({ id: 'x', name: 'shell', input: { command: 'ls "unterminated' } });
    expect(decision).toMatchObject({ decision: 'deny', policyIds: ['unparsable'] });
  });
});
