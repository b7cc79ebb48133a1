import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JournalEvent } from '../../src/spec/journal-events.ts';
import { spansOfJournal } from '../../src/telemetry/index.ts';
import { createDemoRepository } from '../../src/warden/demo-repository.ts';
import { git, makeRepo, runWarden, scratch } from '../support/cli.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/pipeline/', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/warden.js', import.meta.url));

const usage = { input_tokens: 1000, output_tokens: 20 };
const call = (name: string, input: Record<string, unknown>) => ({ tool_calls: [{ name, input }], usage });
const say = (text: string) => ({ text, usage });

/** A pipeline agent: reproduce (a command that must fail), fix, review; the task's check is check.sh. */
const CONFIG = `
router:
  enabled: true
  defaultTier: mid
  tiers:
    mid: ["scripted:SCRIPT"]
    small: ["scripted:SCRIPT"]
  routes:
    "stage:review": small
agents:
  fixer:
    pattern: pipeline
    team: platform
    check: sh check.sh
    stages:
      - name: reproduce
        run: sh check.sh
        expect: exit-nonzero
        outcome: already-done
      - name: fix
        prompt: Make check.sh pass by fixing value.txt.
        tools: [read_file, write_file]
      - name: review
        prompt: Review the change and say whether it is right.
        tools: [read_file]
  thrifty:
    pattern: pipeline
    check: sh check.sh
    stages:
      - name: fix
        prompt: Make check.sh pass by fixing value.txt.
        maxUsd: 0.001
      - name: review
        prompt: Review the change.
  patient:
    pattern: pipeline
    check: sh check.sh
    stages:
      - name: mend
        prompt: Fix value.txt.
      - name: look
        prompt: Look at the change.
        tools: [read_file]
  stepwise:
    pattern: pipeline
    check: sh check.sh
    stages:
      - name: patch
        prompt: Fix value.txt.
      - name: look
        prompt: Look at the change.
        tools: [read_file]
`;

/** Each stage's model speaks its own role; the review tries a tool its stage does not give it. */
const SCRIPT = {
  model: 'anthropic:claude-haiku-4-5',
  roles: {
    fix: {
      turns: [call('write_file', { path: 'value.txt', content: 'fixed\n' }), say('value.txt now says fixed')],
    },
    review: {
      turns: [
        call('shell', { command: 'rm -rf .' }),
        call('read_file', { path: 'value.txt' }),
        say('the fix is right'),
      ],
    },
    // Killed while its `sleep` runs; resumed, it goes on with its next turn.
    mend: {
      turns: [
        call('write_file', { path: 'value.txt', content: 'fixed\n' }),
        call('shell', { command: 'sleep 30' }),
        say('value.txt is fixed'),
      ],
    },
    look: { turns: [call('read_file', { path: 'value.txt' }), say('it is right')] },
    // Stopped by --max-steps after its first turn; resumed, it goes on with its second.
    patch: {
      turns: [
        call('write_file', { path: 'value.txt', content: 'fixed\n' }),
        call('read_file', { path: 'value.txt' }),
        say('value.txt is fixed'),
      ],
    },
  },
};

describe('a pipeline agent', () => {
  const work = scratch('pipeline');
  const home = () => ['--data-dir', path.join(work.dir, 'home')];
  let config: string;
  const repoWith = (name: string, value: string) =>
    makeRepo(path.join(work.dir, name), {
      'value.txt': value,
      'check.sh': 'test "$(cat value.txt)" = fixed\n',
    });
  const run = (repo: string, ...extra: string[]) =>
    runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      'fix value.txt',
      '--config',
      config,
      '--json',
      ...home(),
      ...extra,
    ]);

  beforeAll(() => {
    const script = path.join(work.dir, 'script.json');
    writeFileSync(script, JSON.stringify(SCRIPT));
    config = path.join(work.dir, 'config.yaml');
    writeFileSync(config, CONFIG.replaceAll('SCRIPT', script));
  });
  afterAll(work.cleanup);

  it('ends already-done with zero model calls when its first stage finds the tests passing', async () => {
    const repo = repoWith('done-repo', 'fixed\n');
    const result = await run(repo, '--agent', 'fixer');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'already-done', steps: 0, agent: 'fixer', pattern: 'pipeline' });
    expect(report.children).toEqual([
      expect.objectContaining({
        id: 'stage:reproduce',
        status: 'ended-task',
        stopReason: 'already-done',
        steps: 0,
      }),
    ]);
    expect(git(repo, 'branch', '--list', 'warden/*')).toBe('');
  });

  it('runs its stages in order, each on its own route, tools and role, and verifies the result', async () => {
    const repo = repoWith('broken-repo', 'broken\n');
    const result = await run(repo, '--agent', 'fixer');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'succeeded', verification: 'passed', steps: 5, agent: 'fixer' });
    expect(
      report.children.map((child: { name: string; status: string }) => [child.name, child.status]),
    ).toEqual([
      ['reproduce', 'passed'],
      ['fix', 'passed'],
      ['review', 'passed'],
    ]);
    expect(report.children[2]).toMatchObject({ steps: 3, verification: 'passed' });
    expect(git(repo, 'show', `${report.branch}:value.txt`)).toBe('fixed');

    const events = JSON.parse(
      (await runWarden(['trace', report.taskId, '--json', ...home()])).stdout,
    ) as Array<Record<string, unknown>>;
    // The review stage is routed by `stage:review` to the small tier; the fix stage by the default.
    const routes = events.filter((event) => event.type === 'route-decision').map((event) => event.reason);
    expect(routes.some((reason) => String(reason).includes('stage:review'))).toBe(true);
    // The review was not given `shell`: its `rm -rf .` ran nowhere.
    const refused = events.find((event) => event.type === 'tool-call-end' && event.tool === 'shell');
    expect(refused).toMatchObject({ isError: true });
    const text = await runWarden(['trace', report.taskId, ...home()]);
    expect(text.stdout).toContain('stage 1 reproduce: runs `sh check.sh`');
    expect(text.stdout).toMatch(/stage review passed: 3 steps/);
    expect(events.filter((event) => event.type === 'stage-start').map((event) => event.stage)).toEqual([
      'reproduce',
      'fix',
      'review',
    ]);
  });

  it("stops a stage at its own maxUsd, within the task's budget, and runs no later stage", async () => {
    const repo = repoWith('thrifty-repo', 'broken\n');
    const result = await run(repo, '--agent', 'thrifty');
    expect(result.code, result.stderr).toBe(3);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'stopped', stopReason: 'budget', steps: 0, costUsd: 0 });
    expect(report.detail).toContain("stage fix's maxUsd");
    expect(report.children).toEqual([
      expect.objectContaining({ name: 'fix', status: 'ended-task', stopReason: 'budget', steps: 0 }),
    ]);
  });

  /** Each stage of a run report as [name, status, steps]. */
  const stagesOf = (report: { children: Array<{ name: string; status: string; steps: number }> }) =>
    report.children.map((stage) => [stage.name, stage.status, stage.steps]);
  const eventsOf = async (taskId: string) =>
    JSON.parse((await runWarden(['trace', taskId, '--json', ...home()])).stdout) as Array<
      Record<string, unknown>
    >;

  it('killed with SIGKILL inside a stage, resumes in that stage without repeating a model call', async () => {
    const repo = repoWith('killed-repo', 'broken\n');
    const dataDir = path.join(work.dir, 'home');
    const args = ['run', '--repo', repo, '--task', 'fix value.txt', '--config', config, '--agent', 'patient'];
    const child = spawn(process.execPath, [BIN, ...args, '--json', '--data-dir', dataDir], {
      stdio: 'ignore',
    });
    let taskId = '';
    await vi.waitFor(
      () => {
        const db = new DatabaseSync(path.join(dataDir, 'warden.db'), { readOnly: true, timeout: 5_000 });
        try {
          const row = db
            .prepare("SELECT task_id FROM events WHERE type = 'tool-call-start' AND body LIKE '%sleep 30%'")
            .get() as { task_id: string } | undefined;
          expect(row).toBeDefined();
          taskId = row!.task_id;
        } finally {
          db.close();
        }
      },
      { timeout: 30_000, interval: 50 },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const resumed = await runWarden(['resume', taskId, '--json', '--config', config, ...home()]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout);
    expect(report).toMatchObject({
      status: 'succeeded',
      verification: 'passed',
      pattern: 'pipeline',
      steps: 5,
    });
    // Each stage counts all of its own calls, those made before the kill too.
    expect(stagesOf(report)).toEqual([
      ['mend', 'passed', 3],
      ['look', 'passed', 2],
    ]);
    const events = await eventsOf(taskId);
    // Five model calls in all: the two made before the kill were not made again.
    const steps = events.filter((event) => event.type === 'model-request').map((event) => event.step);
    expect(steps).toEqual([1, 2, 3, 4, 5]);
    expect(git(repo, 'show', `${report.branch}:value.txt`)).toBe('fixed');
  });

  it('stopped by --max-steps inside a stage, resumes in that stage with its conversation, paying no call twice', async () => {
    const repo = repoWith('limited-repo', 'broken\n');
    const stopped = await run(repo, '--agent', 'stepwise', '--max-steps', '1');
    expect(stopped.code, stopped.stderr).toBe(3);
    const { taskId } = JSON.parse(stopped.stdout) as { taskId: string };

    const resumed = await runWarden([
      'resume',
      taskId,
      '--max-steps',
      '10',
      '--allow-loosen',
      '--json',
      '--config',
      config,
      ...home(),
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout);
    expect(report).toMatchObject({ status: 'succeeded', verification: 'passed', steps: 5 });
    expect(stagesOf(report)).toEqual([
      ['patch', 'passed', 3],
      ['look', 'passed', 2],
    ]);
    const events = await eventsOf(taskId);
    // The stage was started once: the resume went on in it, not from a fresh conversation.
    const starts = events.filter((event) => event.type === 'stage-start').map((event) => event.stage);
    expect(starts).toEqual(['patch', 'look']);
    // Five model calls in all, the one before the stop not made again; one write of value.txt.
    const steps = events.filter((event) => event.type === 'model-request').map((event) => event.step);
    expect(steps).toEqual([1, 2, 3, 4, 5]);
    const writes = events.filter((event) => event.type === 'tool-call-start' && event.tool === 'write_file');
    expect(writes).toHaveLength(1);
    expect(git(repo, 'show', `${report.branch}:value.txt`)).toBe('fixed');
    // The stage's cost is that of its three calls, the one before the stop included.
    const patchUsd = events
      .filter((event) => event.type === 'model-response' && (event.step as number) <= 3)
      .reduce((sum, event) => sum + (event.costUsd as number), 0);
    expect(patchUsd).toBeGreaterThan(0);
    expect(report.children[0].costUsd).toBeCloseTo(patchUsd, 9);
    // In the exported trace, the calls made after the resume are the stage's too.
    const spans = spansOfJournal(events as unknown as JournalEvent[], { captureContent: false });
    const patchSpan = spans.find((span) => span.name === 'invoke_agent stage:patch');
    const chats = spans.filter((span) => span.name.startsWith('chat '));
    expect(chats.map((span) => span.parentSpanId === patchSpan?.spanId)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(patchSpan?.status.code).not.toBe('error');
  });

  it('is listed and checked by `warden agents`, beside the default agent', async () => {
    const listed = await runWarden(['agents', '--json', '--config', config, ...home()]);
    expect(listed.code, listed.stderr).toBe(0);
    const listing = JSON.parse(listed.stdout) as { agents: Array<{ name: string; pattern: string }> };
    // The built-in agents (fix-ci, issue-fix, reviewer, dep-update, oncall-investigator) are listed too.
    const builtIn = new Set(['fix-ci', 'issue-fix', 'reviewer', 'dep-update', 'oncall-investigator']);
    expect(listing.agents.filter((agent) => builtIn.has(agent.name))).toHaveLength(5);
    const agents = listing.agents.filter((agent) => !builtIn.has(agent.name)) as Array<
      { name: string; pattern: string } & { stages: Array<{ name: string; kind: string }> }
    >;
    expect(agents.map((agent) => [agent.name, agent.pattern])).toEqual([
      ['coder', 'single'],
      ['fixer', 'pipeline'],
      ['thrifty', 'pipeline'],
      ['patient', 'pipeline'],
      ['stepwise', 'pipeline'],
    ]);
    expect(agents[1]!.stages.map((stage: { name: string; kind: string }) => stage.kind)).toEqual([
      'command',
      'model',
      'model',
    ]);
    const checked = await runWarden(['agents', 'check', '--config', config, ...home()]);
    expect(checked).toMatchObject({ code: 0, stdout: '10 agents: all valid\n' });
  });

  it('refuses a bad definition, naming its field or file, and an agent that does not exist', async () => {
    const bad = path.join(work.dir, 'bad');
    mkdirSync(path.join(bad, 'agents'), { recursive: true });
    writeFileSync(
      path.join(bad, 'config.yaml'),
      'agents:\n  mixed:\n    pattern: pipeline\n    stages:\n      - name: both\n        run: "true"\n        prompt: and a loop\n',
    );
    const inline = await runWarden(['agents', '--config', path.join(bad, 'config.yaml'), ...home()]);
    expect(inline.code).toBe(2);
    expect(inline.stderr).toContain(
      'agents.mixed.stages.0: a stage has either `run` (a command) or `prompt`',
    );

    writeFileSync(path.join(bad, 'config.yaml'), 'agents: {}\n');
    writeFileSync(path.join(bad, 'agents', 'lint.yaml'), 'pattern: pipeline\n');
    const file = await runWarden(['agents', '--config', path.join(bad, 'config.yaml'), ...home()]);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain(`${path.join(bad, 'agents', 'lint.yaml')} is invalid`);
    expect(file.stderr).toContain('stages: a pipeline needs stages');

    const missing = await run(repoWith('any-repo', 'broken\n'), '--agent', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no agent is named nope');
    expect(missing.stderr).toContain('coder, fixer, thrifty, patient, stepwise');
  });

  it('as shipped in examples/pipeline fixes the demo repository and verifies it', async () => {
    const { repo } = await createDemoRepository(path.join(work.dir, 'example'));
    const result = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      'Fix the failing tests',
      '--config',
      path.join(EXAMPLE, 'config.yaml'),
      '--agent',
      'fix-tests',
      '--model',
      `scripted:${path.join(EXAMPLE, 'fix-tests.scripted.yaml')}`,
      '--json',
      ...home(),
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'succeeded', verification: 'passed', pattern: 'pipeline' });
    expect(report.children.map((child: { name: string }) => child.name)).toEqual([
      'reproduce',
      'fix',
      'review',
    ]);
    expect(git(repo, 'show', `${report.branch}:src/cart.js`)).toContain('(100 - discountPercent)');
  });
});
