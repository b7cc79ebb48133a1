import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PackageRegistryServer, startPackageRegistry } from '../../src/testing/index.ts';
import { makeRepo, runWarden, scratch, traceEvents, writeScript } from '../support/cli.ts';

/** The package guard through the real command line, against a local npm and PyPI registry. */
describe('the package guard (real CLI, local registry)', () => {
  const work = scratch('package-guard');
  let registry: PackageRegistryServer;
  let config: string;
  let repo: string;
  const home = () => ['--data-dir', path.join(work.dir, 'home')];

  beforeAll(async () => {
    registry = await startPackageRegistry();
    config = path.join(work.dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'packages:',
        '  registries:',
        `    npm: ${registry.url}`,
        `    pypi: ${registry.url}`,
        '  minAgeDays: 7',
        '',
      ].join('\n'),
    );
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# app\n' });
  });
  afterAll(async () => {
    await registry.close();
    work.cleanup();
  });

  it('warden policy explain shows the verdict: refused with the likely intended name, or allowed', async () => {
    const typo = await runWarden([
      'policy',
      'explain',
      '--tool',
      'shell',
      '--input',
      '{"command":"npm install lodahs"}',
      '--config',
      config,
    ]);
    expect(typo.code, typo.stderr).toBe(0);
    expect(typo.stdout).toMatch(/^decision: deny$/m);
    expect(typo.stdout).toContain(
      'npm install lodahs: no such package on the npm registry; did you mean lodash?',
    );
    expect(typo.stdout).toMatch(/package guard: deny \[exists\] .*\(suggested: lodash\)/);

    const pip = await runWarden(['policy', 'explain', 'pip install reqeusts', '--config', config, '--json']);
    const explained = JSON.parse(pip.stdout);
    expect(explained).toMatchObject({ decision: 'deny', policyIds: ['package-guard:exists'] });
    expect(explained.packages[0]).toMatchObject({ check: 'exists', suggestion: 'requests' });

    const old = await runWarden(['policy', 'explain', 'npm install lodash@4.17.20', '--config', config]);
    expect(old.stdout).toMatch(/^decision: allow$/m);
    expect(old.stdout).toMatch(
      /package guard: allow \[passed\] .*lodash@4\.17\.20 exists on the npm registry/,
    );
  });

  it('a scripted task whose model runs `npm install lodahs` gets the denial in its tool result and journal', async () => {
    const script = writeScript(work.dir, {
      turns: [
        {
          tool_calls: [{ name: 'shell', input: { command: 'npm install lodahs' } }],
          usage: { input_tokens: 100, output_tokens: 10 },
        },
        { text: 'done', usage: { input_tokens: 100, output_tokens: 5 } },
      ],
    });
    const result = await runWarden(
      [
        'run',
        '--repo',
        repo,
        '--task',
        'add lodash',
        '--model',
        `scripted:${script}`,
        '--json',
        '--config',
        config,
        ...home(),
      ],
      { timeoutMs: 120_000 },
    );
    expect(result.code, result.stderr).not.toBeNull();
    const { taskId } = JSON.parse(result.stdout);
    const events = await traceEvents(taskId, home());
    const decision = events.find((event) => event.type === 'decision');
    expect(decision).toMatchObject({
      decision: 'deny',
      policyIds: ['package-guard:exists'],
      reasons: ['npm install lodahs: no such package on the npm registry; did you mean lodash?'],
    });
    const end = events.find((event) => event.type === 'tool-call-end');
    expect(end).toMatchObject({ isError: true });
    expect(String(end?.output)).toContain(
      'this call was denied by policy: npm install lodahs: no such package on the npm registry; did you mean lodash?',
    );
  });
});
