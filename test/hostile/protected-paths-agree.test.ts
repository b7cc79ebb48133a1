import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkspaceFiles } from '../../src/agent/tools/workspace-files.ts';
import { createCedarPolicyEngine, defaultBundleDir, loadPolicyBundle } from '../../src/policy/index.ts';
import { DEFAULT_PROTECTED_PATHS } from '../../src/spec/sandbox.ts';
import { runWarden } from '../support/cli.ts';

/** A file the entry covers: the entry itself, or a file under it for a directory. */
const fileOf = (entry: string) => (entry.endsWith('/') ? `${entry}config.yml` : entry);
/** The same path with its case flipped, as a case-insensitive checkout would still honour. */
const flipped = (file: string) =>
  [...file].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');

const ORDINARY = ['src/app.ts', '.github/ISSUE_TEMPLATE/bug.md', '.envrc.example', 'docs/Jenkinsfile.md'];

describe('the policy engine and the sandbox layer judge every protected path alike', () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'warden-protected-agree-'));
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));
  const engine = createCedarPolicyEngine({
    bundle: loadPolicyBundle(defaultBundleDir()),
    principal: { agent: 'hostile', team: 'default', trustTier: 1 },
    workspace: { hostDir: workspace },
    unparsable: 'ask',
  });
  const files = createWorkspaceFiles(workspace);
  const policySays = async (file: string) =>
    (await engine.decide({ id: 'w', name: 'write_file', input: { path: file, content: 'x' } })).decision;
  const sandboxSays = async (file: string) =>
    await files.write(file, 'x').then(
      () => 'written',
      (error: { code?: string }) => error.code ?? 'error',
    );

  const protectedFiles = DEFAULT_PROTECTED_PATHS.flatMap((entry) => [fileOf(entry), flipped(fileOf(entry))]);

  it.each(protectedFiles)('%s: policy does not allow it, and the sandbox refuses it', async (file) => {
    expect(await policySays(file)).not.toBe('allow');
    expect(await sandboxSays(file)).toBe('path-protected');
  });

  it.each(ORDINARY)('%s: policy allows it, and the sandbox writes it', async (file) => {
    expect(await policySays(file)).toBe('allow');
    expect(await sandboxSays(file)).toBe('written');
  });

  it('`warden policy explain` gives the engine’s decision for a write the default list protects', async () => {
    for (const file of ['.gitlab-ci.yml', 'Jenkinsfile', '.github/actions/setup/action.yml']) {
      const result = await runWarden([
        'policy',
        'explain',
        '--tool',
        'write_file',
        '--input',
        JSON.stringify({ path: file, content: 'x' }),
        '--workspace',
        workspace,
        '--json',
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout), file).toMatchObject({ decision: 'ask' });
      expect(await sandboxSays(file)).toBe('path-protected');
    }
  });
});
