import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const shell = (command: string) => ({
  tool_calls: [{ name: 'shell', input: { command } }],
  usage: { input_tokens: 1000, output_tokens: 40 },
});

describe('policy on every tool call, approvals and resume (real CLI, real Cedar bundle)', () => {
  const work = scratch('approvals');
  let repo: string;
  const home = () => ['--data-dir', path.join(work.dir, 'home')];
  const warden = (...args: string[]) => runWarden([...args, ...home()]);
  const json = async (...args: string[]) => {
    const result = await warden(...args, '--json');
    return { code: result.code, body: JSON.parse(result.stdout || 'null'), stderr: result.stderr };
  };
  const events = async (taskId: string) =>
    (await json('trace', taskId)).body as Array<Record<string, unknown>>;
  const start = (name: string, turns: unknown[]) =>
    json(
      'run',
      '--repo',
      repo,
      '--task',
      name,
      '--model',
      `scripted:${writeScript(work.dir, { model: 'anthropic:claude-haiku-4-5', turns }, `${name}.json`)}`,
    );

  beforeAll(() => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
  });
  afterAll(work.cleanup);

  it('denies `git push origin main`, journals the decision, and the task goes on', async () => {
    const run = await start('push', [
      shell('git push origin main'),
      shell('cat README.md'),
      { text: 'done' },
    ]);
    expect(run.code).toBe(0);
    const trace = await events(run.body.taskId);
    const decisions = trace.filter((event) => event.type === 'decision');
    expect(decisions[0]).toMatchObject({ decision: 'deny', tool: 'shell', policyIds: ['shell-no-push'] });
    expect(decisions[0]!.bundleHash).toMatch(/^[0-9a-f]{64}$/);
    expect(decisions[1]).toMatchObject({ decision: 'allow' });
    const ends = trace.filter((event) => event.type === 'tool-call-end');
    expect(String(ends[0]!.output)).toMatch(/denied by policy/);
    expect(String(ends[1]!.output)).toContain('# hello');
  });

  it('pauses on ask (exit 4), lists the request, and resumes after approval without paying again', async () => {
    const paused = await start('ask-approve', [
      shell('cat README.md'),
      shell('factor 12'),
      { text: 'factored', usage: { input_tokens: 1000, output_tokens: 10 } },
    ]);
    expect(paused.code).toBe(4);
    expect(paused.body).toMatchObject({
      status: 'awaiting_approval',
      stopReason: 'awaiting-approval',
      steps: 2,
    });
    const costBefore = paused.body.costUsd as number;
    expect(costBefore).toBeGreaterThan(0);

    const listed = await json('approvals');
    const request = (listed.body as Array<Record<string, unknown>>).find(
      (item) => item.taskId === paused.body.taskId,
    );
    expect(request).toMatchObject({ taskId: paused.body.taskId, tool: 'shell' });
    expect(String(request!.reason)).toMatch(/\w/);
    expect((await warden('approve', String(request!.id))).code).toBe(0);

    const resumed = await json('resume', paused.body.taskId);
    expect(resumed.code).toBe(0);
    expect(resumed.body).toMatchObject({ taskId: paused.body.taskId, status: 'unverified', steps: 3 });
    const trace = await events(paused.body.taskId);
    expect(trace.filter((event) => event.type === 'model-request')).toHaveLength(3);
    const factor = trace.find(
      (event) => event.type === 'tool-call-end' && String(event.output).includes('12: 2 2 3'),
    );
    expect(factor).toBeDefined();
    expect(
      trace.filter((event) => event.type === 'tool-call-end' && String(event.output).includes('# hello')),
    ).toHaveLength(1);
    // Only the third model call was paid after the resume.
    const third = trace.filter((event) => event.type === 'model-response')[2]!;
    expect(resumed.body.costUsd).toBeCloseTo(costBefore + Number(third.costUsd), 10);
    expect(trace.map((event) => event.seq)).toEqual(trace.map((_, index) => index + 1));
  });

  it('returns a denial to the model, which decides how the task ends', async () => {
    const paused = await start('ask-deny', [shell('factor 99'), { text: 'understood, stopping here' }]);
    expect(paused.code).toBe(4);
    const listed = (await json('approvals')).body as Array<Record<string, unknown>>;
    const request = listed.find((item) => item.taskId === paused.body.taskId)!;
    expect((await warden('deny', String(request.id), '--reason', 'not today')).code).toBe(0);
    const resumed = await json('resume', paused.body.taskId);
    expect(resumed.code).toBe(0);
    const trace = await events(paused.body.taskId);
    const end = trace.find((event) => event.type === 'tool-call-end');
    expect(String(end!.output)).toMatch(/denied this call: not today/);
    expect(
      trace.some((event) => event.type === 'tool-call-end' && String(event.output).includes('99: 3 3 11')),
    ).toBe(false);
  });

  it('refuses to resume a task that is not waiting, and an unknown approval id', async () => {
    const done = await start('plain', [{ text: 'nothing to do' }]);
    const again = await warden('resume', done.body.taskId);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/only a task awaiting approval resumes/);
    expect((await warden('approve', 'no-such-id')).code).toBe(2);
  });
});
