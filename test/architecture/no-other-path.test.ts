import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBundleDir } from '../../src/policy/index.ts';
import { git, makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const SOURCE = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every production source file, relative to src/ (the testing entry's suites and servers are not). */
function sourceFiles(): string[] {
  return (readdirSync(SOURCE, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .filter((file) => !file.startsWith('testing/'))
    .sort();
}

/** The files whose text matches `pattern`. */
function filesMatching(pattern: RegExp): string[] {
  return sourceFiles().filter((file) => pattern.test(readFileSync(path.join(SOURCE, file), 'utf8')));
}

describe('there is no path around the policy engine', () => {
  it('only the action gateway calls the forge and the deploy target', () => {
    expect(
      filesMatching(/\bforge\.(pushBranch|openPullRequest|updatePullRequest|comment|requestReview)!?\(/),
    ).toEqual(['actions/action-gateway.ts']);
    expect(filesMatching(/(?<!function )\brunDeploy\(/)).toEqual(['actions/action-gateway.ts']);
    // Warden's own git pushes only in the local forge (which only the gateway calls).
    expect(filesMatching(/runGit\(\s*\[\s*'push'/)).toEqual(['forge/local-forge.ts']);
  });

  it('only runToolCall runs a tool, after its decision', () => {
    expect(filesMatching(/\btool\.run\(/)).toEqual(['agent/run-tool-call.ts']);
    const runToolCall = readFileSync(path.join(SOURCE, 'agent/run-tool-call.ts'), 'utf8');
    expect(runToolCall.indexOf('decideSafely(settings.decider, call)')).toBeGreaterThan(0);
    expect(runToolCall.indexOf('decideSafely(settings.decider, call)')).toBeLessThan(
      runToolCall.indexOf('tool.run('),
    );
  });

  describe('a bundle that permits nothing stops every tool and every action (real CLI)', () => {
    const work = scratch('no-path');
    let repo: string;
    let remote: string;
    let bundle: string;

    beforeAll(() => {
      repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# secret-looking content\n' });
      remote = path.join(work.dir, 'remote.git');
      execFileSync('git', ['clone', '--quiet', '--bare', repo, remote]);
      bundle = path.join(work.dir, 'nothing');
      cpSync(defaultBundleDir(), bundle, { recursive: true });
      writeFileSync(
        path.join(bundle, 'nothing.cedar'),
        '@id("nothing")\n@reason("this bundle permits nothing")\nforbid (principal, action, resource);\n',
      );
    });
    afterAll(work.cleanup);

    it('runs no tool, changes nothing and delivers nothing', async () => {
      const call = (name: string, input: unknown) => ({ name, input });
      const script = writeScript(work.dir, {
        turns: [
          {
            tool_calls: [
              call('read_file', { path: 'README.md' }),
              call('list_files', {}),
              call('search', { pattern: 'secret' }),
              call('write_file', { path: 'NEW.md', content: 'x\n' }),
              call('edit_file', { path: 'README.md', old_string: 'secret', new_string: 'public' }),
              call('shell', { command: 'echo ran > SHELL.md; cat README.md' }),
            ],
          },
          { text: 'done' },
        ],
      });
      const config = path.join(work.dir, 'config.json');
      writeFileSync(config, JSON.stringify({ policy: { bundle }, forge: { kind: 'local', remote } }));
      const home = path.join(work.dir, 'home');
      const run = await runWarden([
        'run',
        '--repo',
        repo,
        '--task',
        'try everything',
        '--model',
        `scripted:${script}`,
        '--config',
        config,
        '--data-dir',
        home,
        '--json',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout);
      // Nothing was written, so there is no change and no branch; nothing reached the remote.
      expect(report.branch).toBeNull();
      expect(report.diffStat).toBeNull();
      expect(git(remote, 'for-each-ref', '--format=%(refname)')).toBe('refs/heads/main');

      const trace = JSON.parse(
        (await runWarden(['trace', report.taskId, '--json', '--data-dir', home])).stdout,
      );
      const decisions = trace.filter((event: { type: string }) => event.type === 'decision');
      expect(decisions).toHaveLength(6);
      for (const decision of decisions)
        expect(decision).toMatchObject({ decision: 'deny', policyIds: ['nothing'] });
      const ends = trace.filter((event: { type: string }) => event.type === 'tool-call-end');
      expect(ends).toHaveLength(6);
      for (const end of ends) {
        expect(end).toMatchObject({ isError: true });
        expect(String(end.output)).toMatch(/denied by policy/);
        expect(String(end.output)).not.toContain('secret-looking');
      }
    });
  });
});
