import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

/**
 * The cascade and early exits through the real `warden run`, with scripted models standing in for each
 * tier (simulated models; the routing, checks and accounting are real). A scripted model answers turn N
 * of its file for a conversation holding N assistant messages, so a model the task escalates to starts
 * at the turn after the ones its predecessors took: its file pads those with `unused` turns.
 */
const unused = { text: 'unused' };
const writeDone = {
  tool_calls: [{ name: 'write_file', input: { path: 'DONE', content: 'fixed\n' } }],
  usage: { input_tokens: 2000, output_tokens: 50 },
};
/** The price key of the model that answered each call, in order. */
const answeredBy = (events: Array<Record<string, unknown>>) =>
  events.filter((event) => event.type === 'model-response').map((event) => event.priceKey);
const finish = (text: string) => ({ text, usage: { input_tokens: 2000, output_tokens: 20 } });

describe('model tiers: cascade on a failed check, early exit before any model call (real CLI)', () => {
  const work = scratch('routing');
  let repo: string;
  const run = async (name: string, config: Record<string, unknown>) => {
    const configFile = path.join(work.dir, `${name}.json`);
    writeFileSync(configFile, JSON.stringify(config));
    const home = path.join(work.dir, `home-${name}`);
    const result = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      `make the check pass (${name})`,
      '--config',
      configFile,
      '--data-dir',
      home,
      '--json',
    ]);
    const report = JSON.parse(result.stdout || '{}');
    const trace = await runWarden(['trace', String(report.taskId), '--json', '--data-dir', home]);
    const cost = await runWarden(['cost', '--json', '--data-dir', home]);
    return {
      code: result.code,
      stderr: result.stderr,
      report,
      events: JSON.parse(trace.stdout || '[]') as Array<Record<string, unknown>>,
      cost: JSON.parse(cost.stdout || '{}'),
    };
  };
  const router = (small: string, mid: string, top: string) => ({
    router: {
      enabled: true,
      defaultTier: 'small',
      tiers: { small: [`scripted:${small}`], mid: [`scripted:${mid}`], top: [`scripted:${top}`] },
    },
    agent: { check: 'test -f DONE' },
  });

  beforeAll(() => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# app\n' });
  });
  afterAll(work.cleanup);

  it('escalates exactly one tier when the check fails, and succeeds there', async () => {
    const small = writeScript(
      work.dir,
      { model: 'anthropic:claude-haiku-4-5', turns: [finish('looks fine')] },
      'small.json',
    );
    const mid = writeScript(
      work.dir,
      { model: 'anthropic:claude-sonnet-4-6', turns: [unused, writeDone, finish('fixed')] },
      'mid.json',
    );
    const top = writeScript(work.dir, { model: 'anthropic:claude-opus-4-7', turns: [unused] }, 'top.json');
    const { code, report, events, stderr } = await run('cascade', router(small, mid, top));
    expect(code, stderr).toBe(0);
    expect(report).toMatchObject({ status: 'succeeded', stopReason: 'finished', model: 'router:small' });

    const checks = events.filter((event) => event.type === 'check');
    expect(checks.map((event) => event.passed)).toEqual([false, true]);
    const escalations = events.filter(
      (event) => event.type === 'route-decision' && event.kind === 'escalate',
    );
    expect(escalations).toEqual([
      expect.objectContaining({ tier: 'mid', reason: 'test -f DONE failed: exit 1' }),
    ]);
    expect(answeredBy(events)).toEqual([
      'anthropic:claude-haiku-4-5',
      'anthropic:claude-sonnet-4-6',
      'anthropic:claude-sonnet-4-6',
    ]);
  });

  it('a task paused for approval after escalating resumes on the tier it had reached', async () => {
    const small = writeScript(
      work.dir,
      { model: 'anthropic:claude-haiku-4-5', turns: [finish('looks fine')] },
      'small-pause.json',
    );
    const ask = {
      tool_calls: [{ name: 'shell', input: { command: 'factor 12' } }],
      usage: { input_tokens: 2000, output_tokens: 30 },
    };
    const mid = writeScript(
      work.dir,
      { model: 'anthropic:claude-sonnet-4-6', turns: [unused, ask, writeDone, finish('fixed')] },
      'mid-pause.json',
    );
    const top = writeScript(
      work.dir,
      { model: 'anthropic:claude-opus-4-7', turns: [unused] },
      'top-pause.json',
    );
    const paused = await run('pause', router(small, mid, top));
    expect(paused.code, paused.stderr).toBe(4);
    const home = ['--data-dir', path.join(work.dir, 'home-pause')];
    const approvals = JSON.parse((await runWarden(['approvals', '--json', ...home])).stdout);
    expect((await runWarden(['approve', String(approvals[0].id), ...home])).code).toBe(0);

    const resumed = await runWarden([
      'resume',
      String(paused.report.taskId),
      '--json',
      '--config',
      path.join(work.dir, 'pause.json'),
      ...home,
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'succeeded', steps: 4 });
    const trace = JSON.parse(
      (await runWarden(['trace', String(paused.report.taskId), '--json', ...home])).stdout,
    );
    expect(answeredBy(trace)).toEqual([
      'anthropic:claude-haiku-4-5',
      'anthropic:claude-sonnet-4-6',
      'anthropic:claude-sonnet-4-6',
      'anthropic:claude-sonnet-4-6',
    ]);
  });

  it('starts a task on the tier its --kind routes to', async () => {
    const nano = writeScript(
      work.dir,
      { model: 'openai:gpt-5.4-nano', turns: [writeDone, finish('triaged')] },
      'nano.json',
    );
    const configFile = path.join(work.dir, 'kind.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        router: {
          enabled: true,
          defaultTier: 'top',
          cascade: false,
          routes: { 'kind:triage': 'nano' },
          tiers: { nano: [`scripted:${nano}`], top: [`scripted:${nano}`] },
        },
      }),
    );
    const home = path.join(work.dir, 'home-kind');
    const args = ['run', '--repo', repo, '--task', 'label the issue', '--config', configFile];
    const result = await runWarden([...args, '--kind', 'triage', '--json', '--data-dir', home]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ status: 'unverified', model: 'router:nano' });
    const trace = JSON.parse(
      (await runWarden(['trace', report.taskId, '--json', '--data-dir', home])).stdout,
    );
    expect(trace.find((event: { type: string }) => event.type === 'route-decision')).toMatchObject({
      kind: 'pick',
      tier: 'nano',
      reason: 'first model of the nano tier (route kind:triage)',
    });

    const bad = await runWarden([...args, '--kind', 'no spaces', '--data-dir', home]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--kind "no spaces" is not a name/);
  });

  it('does not escalate when the check passes the first time', async () => {
    const small = writeScript(
      work.dir,
      { model: 'anthropic:claude-haiku-4-5', turns: [writeDone, finish('fixed')] },
      'small-ok.json',
    );
    const mid = writeScript(
      work.dir,
      { model: 'anthropic:claude-sonnet-4-6', turns: [unused] },
      'mid-unused.json',
    );
    const { code, report, events } = await run('no-escalation', router(small, mid, mid));
    expect(code).toBe(0);
    expect(report.status).toBe('succeeded');
    expect(events.filter((event) => event.type === 'route-decision' && event.kind === 'escalate')).toEqual(
      [],
    );
    expect(events.filter((event) => event.type === 'model-response')).toHaveLength(2);
  });

  it('fails with check-failed when the top tier cannot pass the check either', async () => {
    const never = (name: string, model: string) =>
      writeScript(work.dir, { model, turns: [finish('done'), finish('done'), finish('done')] }, name);
    const { code, report, events } = await run(
      'exhausted',
      router(
        never('n-small.json', 'anthropic:claude-haiku-4-5'),
        never('n-mid.json', 'anthropic:claude-sonnet-4-6'),
        never('n-top.json', 'anthropic:claude-opus-4-7'),
      ),
    );
    expect(code).toBe(1);
    expect(report).toMatchObject({ status: 'failed', stopReason: 'check-failed' });
    expect(
      events.filter((event) => event.type === 'route-decision' && event.kind === 'escalate'),
    ).toHaveLength(2);
  });

  it('ends a task as already-done on a pre-check, before any model call, and counts it apart', async () => {
    const model = writeScript(
      work.dir,
      { model: 'anthropic:claude-opus-4-7', turns: [unused] },
      'never-called.json',
    );
    const { code, report, events, cost, stderr } = await run('early', {
      model: `scripted:${model}`,
      agent: { preChecks: [{ command: 'test -f README.md', when: 'exit-0', outcome: 'already-done' }] },
    });
    expect(code, stderr).toBe(0);
    expect(report).toMatchObject({
      status: 'already-done',
      stopReason: 'already-done',
      steps: 0,
      costUsd: 0,
    });
    expect(events.filter((event) => event.type === 'model-request')).toEqual([]);
    expect(events.find((event) => event.type === 'pre-check')).toMatchObject({
      command: 'test -f README.md',
      matched: true,
      outcome: 'already-done',
    });
    expect(cost).toMatchObject({ tasks: 1, succeeded: 0, earlyExits: { alreadyDone: 1, notActionable: 0 } });
  });
});
