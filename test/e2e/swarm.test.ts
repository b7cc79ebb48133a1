import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoRepository } from '../../src/warden/demo-repository.ts';
import { git, makeRepo, runWarden, scratch, traceEvents, writeScripts } from '../support/cli.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/swarm/', import.meta.url));

const usage = { input_tokens: 1000, output_tokens: 20 };
const call = (name: string, input: Record<string, unknown>) => ({ tool_calls: [{ name, input }], usage });
const say = (text: string) => ({ text, usage });
const write = (file: string, content: string) => call('write_file', { path: file, content });
// Lets another role's first moves (a claim) happen first.
const wait = call('shell', { command: 'sleep 1' });

/** Each scripted file speaks one role per name under `roles`. */
const SCRIPTS: Record<string, unknown> = {
  // api claims shared.txt; ui's write to it is refused, so ui leaves a note and does its own part.
  team: {
    model: 'anthropic:claude-haiku-4-5',
    roles: {
      api: {
        turns: [
          call('claim', { target: 'shared.txt' }),
          write('shared.txt', 'api was here\n'),
          call('scratchpad', { note: 'shared.txt is mine' }),
          say('api done'),
        ],
      },
      ui: {
        turns: [
          wait,
          write('shared.txt', 'ui\n'),
          call('scratchpad', { note: 'api: shared.txt should mention the ui too' }),
          write('ui.txt', 'ui\n'),
          say('ui done'),
        ],
      },
      docs: { turns: [write('docs.txt', 'docs\n'), say('docs done')] },
    },
  },
  // Both keep busy (every search a new one, so no loop breaker trips) and change nothing: the
  // coordinator ends the swarm.
  stall: {
    model: 'anthropic:claude-haiku-4-5',
    roles: Object.fromEntries(
      ['left', 'right'].map((name) => [
        name,
        {
          turns: [
            ...Array.from({ length: 12 }, (_, index) => call('search', { pattern: `${name}-${index}` })),
            say('done'),
          ],
        },
      ]),
    ),
  },
  // right writes the file left claimed through a command, which the claim check on file tools cannot see.
  sly: {
    model: 'anthropic:claude-haiku-4-5',
    roles: {
      left: { turns: [call('claim', { target: 'shared.txt' }), write('shared.txt', 'left\n'), say('done')] },
      right: { turns: [wait, call('shell', { command: 'echo right > shared.txt' }), say('done')] },
    },
  },
};

const ROLES: Record<string, string[]> = {
  team: ['api', 'ui', 'docs'],
  stall: ['left', 'right'],
  sly: ['left', 'right'],
};

function config(dir: string): string {
  const agents = Object.entries(ROLES)
    .map(
      ([name, roles]) => `  ${name}:
    pattern: swarm
    model: scripted:${path.join(dir, `${name}.json`)}
    check: sh check.sh
    stallSteps: 4
    roles:
${roles.map((role) => `      - name: ${role}\n        prompt: Do the ${role} part.\n`).join('')}`,
    )
    .join('');
  return `agents:\n${agents}`;
}

describe('a swarm agent', () => {
  const work = scratch('swarm');
  const home = () => ['--data-dir', path.join(work.dir, 'home')];
  let configFile: string;
  const repoNamed = (name: string) =>
    makeRepo(path.join(work.dir, name), {
      'shared.txt': 'base\n',
      'check.sh': 'test "$(cat shared.txt)" = "api was here" && test -f ui.txt && test -f docs.txt\n',
    });
  const run = (repo: string, agent: string) =>
    runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      'build it together',
      '--config',
      configFile,
      '--agent',
      agent,
      '--json',
      ...home(),
    ]);
  const trace = (taskId: string) => traceEvents(taskId, home());

  beforeAll(() => {
    writeScripts(work.dir, SCRIPTS);
    configFile = path.join(work.dir, 'config.yaml');
    writeFileSync(configFile, config(work.dir));
  });
  afterAll(work.cleanup);

  it('refuses an edit of a claimed file, and merges every role into one checked branch', async () => {
    const repo = repoNamed('team-repo');
    const base = git(repo, 'rev-parse', 'HEAD');
    const result = await run(repo, 'team');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'succeeded', verification: 'passed', pattern: 'swarm' });
    expect(new Set(report.children.map((child: { id: string }) => child.id))).toEqual(
      new Set(['role:api', 'role:ui', 'role:docs']),
    );
    const subjects = git(repo, 'log', '--format=%s', `${base}..${report.branch}`).split('\n').reverse();
    expect(subjects).toEqual(['api: Do the api part.', 'ui: Do the ui part.', 'docs: Do the docs part.']);
    expect(git(repo, 'show', `${report.branch}:shared.txt`)).toBe('api was here');
    expect(git(repo, 'show', `${report.branch}:ui.txt`)).toBe('ui');
    expect(git(repo, 'show', `${report.branch}:docs.txt`)).toBe('docs');

    const events = await trace(report.taskId);
    const refused = events.find(
      (event) => event.type === 'decision' && event.child === 'role:ui' && event.tool === 'write_file',
    );
    expect(refused).toMatchObject({ decision: 'deny', policyIds: ['swarm-claim'] });
    expect(String(refused?.reasons)).toContain('shared.txt is claimed by role api');
    // The note ui left is on the board the others read.
    const board = events.filter(
      (event) => event.type === 'tool-call-end' && event.tool === 'scratchpad' && event.child === 'role:ui',
    );
    expect(String(board.at(-1)?.output)).toContain('[api] shared.txt is mine');
  });

  it('ends a deadlocked swarm after stallSteps calls without progress, landing nothing', async () => {
    const repo = repoNamed('stall-repo');
    const result = await run(repo, 'stall');
    expect(result.code, result.stderr).toBe(3);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ stopReason: 'stuck', branch: null });
    expect(report.detail).toContain('the swarm is deadlocked: 4 model calls');
    // Each role stopped before its next call: far fewer than the 26 its script holds.
    expect(report.steps).toBeLessThanOrEqual(6);
    expect(git(repo, 'branch', '--list', 'warden/*')).toBe('');
    // A swarm is not resumed (its roles' workspaces are gone): the resume says so.
    const resumed = await runWarden(['resume', report.taskId, '--config', configFile, ...home()]);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain('resume');
  });

  it('fails the merge when a role changed a path another role claimed, naming both', async () => {
    const repo = repoNamed('sly-repo');
    const result = await run(repo, 'sly');
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.detail).toContain('role right changed shared.txt, which role left claimed');
    expect(git(repo, 'branch', '--list', 'warden/*')).toBe('');
  });

  it('as shipped in examples/swarm fixes and documents the demo repository, one commit per role', async () => {
    const { repo } = await createDemoRepository(path.join(work.dir, 'example'));
    const result = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      'Fix the discount bug, add formatPercent, and document both',
      '--config',
      path.join(EXAMPLE, 'config.yaml'),
      '--agent',
      'shop-crew',
      '--model',
      `scripted:${path.join(EXAMPLE, 'shop-crew.scripted.yaml')}`,
      '--json',
      ...home(),
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'succeeded', verification: 'passed', pattern: 'swarm' });
    expect(git(repo, 'show', `${report.branch}:src/cart.js`)).toContain('(100 - discountPercent)');
    expect(git(repo, 'show', `${report.branch}:README.md`)).toContain('formatPercent');
    const events = await trace(report.taskId);
    expect(
      events.some(
        (event) => event.type === 'decision' && event.child === 'role:docs' && event.decision === 'deny',
      ),
    ).toBe(true);
  });
});
