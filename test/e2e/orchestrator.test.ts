import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDemoRepository } from '../../src/warden/demo-repository.ts';
import { git, makeRepo, runWarden, scratch, traceEvents, writeScripts } from '../support/cli.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/orchestrator/', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/warden.js', import.meta.url));

const usage = { input_tokens: 1000, output_tokens: 20 };
const call = (name: string, input: Record<string, unknown>, spent = usage) => ({
  tool_calls: [{ name, input }],
  usage: spent,
});
const say = (text: string, spent = usage) => ({ text, usage: spent });
const write = (file: string, content: string) => call('write_file', { path: file, content });
const planOf = (subtasks: unknown[]) => [call('plan', { subtasks }), say('planned')];

const FIX_A = { id: 'a', goal: 'Make a.txt say a-fixed.', check: 'test "$(cat a.txt)" = a-fixed' };
const FIX_B = { id: 'b', goal: 'Make b.txt say b-fixed.', check: 'test "$(cat b.txt)" = b-fixed' };
// Passes only where a's change is in the workspace: a dependent subtask starts from it.
const NOTE_C = {
  id: 'c',
  goal: 'Write c.txt noting that a.txt is fixed.',
  check: 'test "$(cat a.txt)" = a-fixed && test -f c.txt',
  dependsOn: ['a'],
};

/** Each scripted file speaks the planner and one worker per subtask (`worker:ID`). */
const SCRIPTS: Record<string, unknown> = {
  good: {
    model: 'anthropic:claude-haiku-4-5',
    roles: {
      planner: { turns: [call('list_files', { path: '.' }), ...planOf([FIX_A, FIX_B, NOTE_C])] },
      'worker:a': { turns: [write('a.txt', 'a-fixed\n'), say('a.txt fixed')] },
      'worker:b': { turns: [write('b.txt', 'b-fixed\n'), say('b.txt fixed')] },
      'worker:c': { turns: [write('c.txt', 'a is fixed\n'), say('noted')] },
    },
  },
  // b's worker gets it wrong: its check fails, and nothing of a's good work may land.
  bad: {
    model: 'anthropic:claude-haiku-4-5',
    roles: {
      planner: { turns: planOf([FIX_A, FIX_B]) },
      'worker:a': { turns: [write('a.txt', 'a-fixed\n'), say('a.txt fixed')] },
      'worker:b': { turns: [write('b.txt', 'b-wrong\n'), say('b.txt fixed')] },
    },
  },
  // Both pass their own checks, but change the same line: the combination is refused.
  clash: {
    model: 'anthropic:claude-haiku-4-5',
    roles: {
      planner: {
        turns: planOf([
          { id: 'left', goal: 'Put left in a.txt.', check: 'test -s a.txt' },
          { id: 'right', goal: 'Put right in a.txt.', check: 'test -s a.txt' },
        ]),
      },
      'worker:left': { turns: [write('a.txt', 'left\n'), say('done')] },
      'worker:right': { turns: [write('a.txt', 'right\n'), say('done')] },
    },
  },
};

// Both workers are still at work when the process is killed.
SCRIPTS.slow = {
  model: 'anthropic:claude-haiku-4-5',
  roles: {
    planner: { turns: planOf([FIX_A, FIX_B]) },
    'worker:a': { turns: [call('shell', { command: 'sleep 30' }), say('done')] },
    'worker:b': { turns: [call('shell', { command: 'sleep 30' }), say('done')] },
  },
};

// quick fails its check at once; slow is stopped before its next call instead of working on.
SCRIPTS.halting = {
  model: 'anthropic:claude-haiku-4-5',
  roles: {
    planner: {
      turns: planOf([
        { id: 'quick', goal: 'Fail.', check: 'false' },
        { id: 'slow', goal: 'Work long.', check: 'true' },
      ]),
    },
    'worker:quick': { turns: [say('done')] },
    'worker:slow': {
      // Eight seconds of work, a second at a time (each command a new one, so no loop breaker trips).
      turns: [
        ...Array.from({ length: 8 }, (_, index) => call('shell', { command: `sleep 1.0${index}` })),
        say('done'),
      ],
    },
  },
};

// A plan whose check would push is judged as that command, and refused; a malformed one is sent back.
SCRIPTS.sneaky = {
  model: 'anthropic:claude-haiku-4-5',
  roles: {
    planner: {
      turns: [
        call('plan', { subtasks: [{ ...FIX_A, check: 'git push origin HEAD:main' }] }),
        call('plan', { subtasks: [{ ...FIX_A, dependsOn: ['b'] }, FIX_B] }),
        say('planned'),
      ],
    },
  },
};

/** Five subtasks whose workers each make calls that, together, would cost more than the task may spend. */
const heavy = { input_tokens: 2000, output_tokens: 4000 };
SCRIPTS.spender = {
  model: 'anthropic:claude-haiku-4-5',
  roles: {
    planner: {
      turns: planOf(
        ['1', '2', '3', '4', '5'].map((id) => ({
          id: `s${id}`,
          goal: `Write f${id}.txt.`,
          check: `test -f f${id}.txt`,
        })),
      ),
    },
    ...Object.fromEntries(
      ['1', '2', '3', '4', '5'].map((id) => [
        `worker:s${id}`,
        {
          turns: [write(`f${id}.txt`, 'x\n'), write(`g${id}.txt`, 'y\n'), say('done', heavy)].map((turn) => ({
            ...turn,
            usage: heavy,
          })),
        },
      ]),
    ),
  },
};

function config(dir: string): string {
  const agents = Object.keys(SCRIPTS)
    .map(
      (name) => `  ${name}:
    pattern: orchestrator
    model: scripted:${path.join(dir, `${name}.json`)}
    check: sh check.sh
    maxParallel: 5
    worker:
      tools: [read_file, write_file, shell]
`,
    )
    .join('');
  // An interrupted task's workspaces go at the next start.
  return `recovery:\n  keepInterruptedHours: 0\nagents:\n${agents}`;
}

/** Everything of the user's repository a user could notice: refs, HEAD, index, status and every file. */
function fingerprint(repo: string): string {
  const hash = createHash('sha256');
  hash.update(git(repo, 'for-each-ref'));
  hash.update(git(repo, 'rev-parse', 'HEAD'));
  hash.update(git(repo, 'status', '--porcelain', '--ignored'));
  hash.update(readFileSync(path.join(repo, '.git', 'index')));
  for (const name of readdirSync(repo)
    .filter((entry) => entry !== '.git')
    .sort()) {
    hash.update(name).update(readFileSync(path.join(repo, name)));
  }
  return hash.digest('hex');
}

describe('an orchestrator agent', () => {
  const work = scratch('orchestrator');
  const home = () => ['--data-dir', path.join(work.dir, 'home')];
  let configFile: string;
  const repoNamed = (name: string) =>
    makeRepo(path.join(work.dir, name), {
      'a.txt': 'a-broken\n',
      'b.txt': 'b-broken\n',
      'check.sh': 'test "$(cat a.txt)" = a-fixed && test "$(cat b.txt)" = b-fixed\n',
    });
  const run = (repo: string, agent: string, ...extra: string[]) =>
    runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      'fix a.txt and b.txt',
      '--config',
      configFile,
      '--agent',
      agent,
      '--json',
      ...home(),
      ...extra,
    ]);
  const trace = (taskId: string) => traceEvents(taskId, home());

  beforeAll(() => {
    writeScripts(work.dir, SCRIPTS);
    configFile = path.join(work.dir, 'config.yaml');
    writeFileSync(configFile, config(work.dir));
  });
  afterAll(work.cleanup);

  it('lands one branch with one commit per subtask once every check and the task check pass', async () => {
    const repo = repoNamed('good-repo');
    const base = git(repo, 'rev-parse', 'HEAD');
    const result = await run(repo, 'good');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'succeeded', verification: 'passed', pattern: 'orchestrator' });
    expect(report.children.map((child: { id: string; status: string }) => [child.id, child.status])).toEqual([
      ['subtask:a', 'passed'],
      ['subtask:b', 'passed'],
      ['subtask:c', 'passed'],
    ]);
    expect(report.children.every((child: { verification: string }) => child.verification === 'passed')).toBe(
      true,
    );
    const subjects = git(repo, 'log', '--format=%s', `${base}..${report.branch}`).split('\n').reverse();
    expect(subjects).toEqual([
      'a: Make a.txt say a-fixed.',
      'b: Make b.txt say b-fixed.',
      'c: Write c.txt noting that a.txt is fixed.',
    ]);
    expect(git(repo, 'show', `${report.branch}:a.txt`)).toBe('a-fixed');
    expect(git(repo, 'show', `${report.branch}:b.txt`)).toBe('b-fixed');
    expect(git(repo, 'show', `${report.branch}:c.txt`)).toBe('a is fixed');
    // The task's check ran on the combined change, as the task's own last check.
    const events = await trace(report.taskId);
    const checks = events.filter((event) => event.type === 'check');
    expect(checks.at(-1)).toMatchObject({ check: 'sh check.sh', passed: true });
    expect(checks.at(-1)?.child).toBeUndefined();
    // Each worker's calls are its own, in the one journal.
    const writes = events.filter((event) => event.type === 'tool-call-start' && event.tool === 'write_file');
    expect(new Set(writes.map((event) => event.child))).toEqual(
      new Set(['subtask:a', 'subtask:b', 'subtask:c']),
    );
    const text = await runWarden(['trace', report.taskId, ...home()]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/plan +3 subtask\(s\): a, b, c \(after a\)/);
    expect(text.stdout).toMatch(/\[subtask:c\] subtask c passed: 2 steps, commit/);
    expect(text.stdout).toMatch(/children:\n {2}subtask a: passed, 2 steps, \$[0-9.]+, check passed\n/);
  });

  it('fails naming the subtask whose check failed, and leaves the repository byte-for-byte unchanged', async () => {
    const repo = repoNamed('bad-repo');
    const before = fingerprint(repo);
    const result = await run(repo, 'bad');
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'failed', branch: null });
    expect(report.detail).toContain('subtask b failed');
    // Its check's output is shown.
    expect(report.detail).toContain('test "$(cat b.txt)" = b-fixed: exit 1');
    expect(report.children).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'subtask:a', status: 'passed' }),
        expect.objectContaining({ id: 'subtask:b', status: 'failed', verification: 'failed' }),
      ]),
    );
    expect(git(repo, 'branch', '--list', 'warden/*')).toBe('');
    expect(fingerprint(repo)).toBe(before);
  });

  it('stops the subtasks still running when one fails, before their next model call', async () => {
    const repo = repoNamed('halting-repo');
    const result = await run(repo, 'halting');
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.detail).toContain('subtask quick failed');
    const slow = report.children.find((child: { id: string }) => child.id === 'subtask:slow');
    expect(slow).toMatchObject({ status: 'failed' });
    expect(slow.steps).toBeLessThan(9);
    expect(slow.detail).toContain('subtask quick failed, so the others stopped');
  });

  it('refuses to combine two subtasks that changed the same lines, naming both', async () => {
    const repo = repoNamed('clash-repo');
    const before = fingerprint(repo);
    const result = await run(repo, 'clash');
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.detail).toContain('the changes of subtask left and subtask right conflict in a.txt');
    expect(fingerprint(repo)).toBe(before);
  });

  it("judges a plan's checks as the commands they are, and runs no subtask of a refused plan", async () => {
    const repo = repoNamed('sneaky-repo');
    const before = fingerprint(repo);
    const result = await run(repo, 'sneaky');
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.detail).toContain('the planner finished without calling plan');
    const events = await trace(report.taskId);
    const decisions = events.filter((event) => event.type === 'decision' && event.tool === 'plan');
    expect(decisions[0]).toMatchObject({ decision: 'deny' });
    expect(String(decisions[0]?.reasons)).toContain("subtask a's check is denied");
    const answers = events.filter((event) => event.type === 'tool-call-end' && event.tool === 'plan');
    expect(answers[0]).toMatchObject({ isError: true });
    expect(String(answers.at(-1)?.output)).toContain('b is not an earlier subtask');
    expect(events.some((event) => event.type === 'subtask-start' || event.type === 'plan')).toBe(false);
    expect(fingerprint(repo)).toBe(before);
  });

  it('never spends more than --max-usd across five subtasks running at once', async () => {
    const repo = repoNamed('spender-repo');
    const result = await run(repo, 'spender', '--max-usd', '0.1');
    expect(result.code, result.stderr).toBe(3);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'stopped', stopReason: 'budget', branch: null });
    const events = await trace(report.taskId);
    const booked = events
      .filter((event) => event.type === 'model-response')
      .reduce((sum, event) => sum + (event.costUsd as number), 0);
    // Unchecked, the five workers' calls would have cost about twice the limit.
    expect(booked).toBeGreaterThan(0.05);
    expect(booked).toBeLessThanOrEqual(0.1);
    expect(report.costUsd).toBeLessThanOrEqual(0.1);
    expect(events.some((event) => event.type === 'budget-exceeded' && event.child !== undefined)).toBe(true);
  });

  it('as shipped in examples/orchestrator upgrades the demo repository, one commit per subtask', async () => {
    const { repo } = await createDemoRepository(path.join(work.dir, 'example'));
    const base = git(repo, 'rev-parse', 'HEAD');
    const result = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      'Fix the discount bug, add formatPercent, and add a receipt line built on both',
      '--config',
      path.join(EXAMPLE, 'config.yaml'),
      '--agent',
      'shop-upgrade',
      '--model',
      `scripted:${path.join(EXAMPLE, 'shop-upgrade.scripted.yaml')}`,
      '--json',
      ...home(),
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'succeeded', verification: 'passed', pattern: 'orchestrator' });
    expect(git(repo, 'log', '--format=%s', `${base}..${report.branch}`).split('\n').reverse()).toEqual([
      expect.stringMatching(/^fix-discount: /),
      expect.stringMatching(/^format-percent: /),
      expect.stringMatching(/^receipt-line: /),
    ]);
    expect(git(repo, 'show', `${report.branch}:src/cart.js`)).toContain('(100 - discountPercent)');
  });

  it('lists its planner and worker, and refuses them on another pattern and a planner that could write', async () => {
    const listed = JSON.parse(
      (await runWarden(['agents', '--config', configFile, '--json', ...home()])).stdout,
    );
    const good = listed.agents.find((agent: { name: string }) => agent.name === 'good');
    expect(good).toMatchObject({ pattern: 'orchestrator', maxParallel: 5 });
    expect(good.roles.map((role: { name: string }) => role.name)).toEqual(['planner', 'worker']);

    const bad = path.join(work.dir, 'bad.yaml');
    writeFileSync(
      bad,
      'agents:\n  one:\n    planner: {}\n  two:\n    pattern: orchestrator\n    planner:\n      tools: [write_file]\n',
    );
    const checked = await runWarden(['agents', 'check', '--config', bad, ...home()]);
    expect(checked.code).toBe(2);
    expect(checked.stderr).toContain('agents.one.planner: only pattern orchestrator has this');
    expect(checked.stderr).toContain('agents.two.planner.tools.0');
  });

  it('killed mid-subtask, is reaped as interrupted, refuses a resume, and leaves no workspace behind', async () => {
    const repo = repoNamed('killed-repo');
    const before = fingerprint(repo);
    const dataDir = path.join(work.dir, 'home');
    const args = [
      'run',
      '--repo',
      repo,
      '--task',
      'fix',
      '--config',
      configFile,
      '--agent',
      'slow',
      '--json',
    ];
    const child = spawn(process.execPath, [BIN, ...args, '--data-dir', dataDir], { stdio: 'ignore' });
    let taskId = '';
    await vi.waitFor(
      () => {
        const db = new DatabaseSync(path.join(dataDir, 'warden.db'), { readOnly: true, timeout: 5_000 });
        try {
          const rows = db
            .prepare("SELECT task_id FROM events WHERE type = 'tool-call-start' AND body LIKE '%sleep 30%'")
            .all() as Array<{ task_id: string }>;
          expect(rows.length).toBe(2);
          taskId = rows[0]!.task_id;
        } finally {
          db.close();
        }
      },
      { timeout: 30_000, interval: 50 },
    );
    const scratchDir = path.join(dataDir, 'scratch');
    const childDirs = () => readdirSync(scratchDir).filter((name) => name.startsWith(`${taskId}_`));
    expect(childDirs().length).toBe(2);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const resumed = await runWarden(['resume', taskId, '--config', configFile, ...home()]);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain('cannot be resumed yet');
    const listed = JSON.parse((await runWarden(['tasks', '--json', ...home()])).stdout);
    expect(listed.find((task: { id: string }) => task.id === taskId)).toMatchObject({
      status: 'interrupted',
    });
    expect(childDirs()).toEqual([]);
    expect(git(repo, 'branch', '--list', 'warden/*')).toBe('');
    expect(fingerprint(repo)).toBe(before);
  });
});
