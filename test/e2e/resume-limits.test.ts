import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const shell = (command: string) => ({
  tool_calls: [{ name: 'shell', input: { command } }],
  usage: { input_tokens: 1000, output_tokens: 40 },
});

/** A model that never finishes on its own: the limits are what must end it. */
const endless = (count: number) => Array.from({ length: count }, (_, index) => shell(`echo step ${index}`));

describe('a task keeps the limits it started with across `warden resume`', { timeout: 120_000 }, () => {
  const work = scratch('resume-limits');
  let repo: string;
  const home = () => ['--data-dir', path.join(work.dir, 'home')];
  const json = async (...args: string[]) => {
    const result = await runWarden([...args, ...home(), '--json']);
    return { code: result.code, body: JSON.parse(result.stdout || 'null'), stderr: result.stderr };
  };
  const pause = async (name: string, ...flags: string[]) => {
    const script = writeScript(
      work.dir,
      { model: 'anthropic:claude-haiku-4-5', turns: [shell('factor 12'), ...endless(30), { text: 'done' }] },
      `${name}.json`,
    );
    const paused = await json(
      'run',
      '--repo',
      repo,
      '--task',
      name,
      '--model',
      `scripted:${script}`,
      ...flags,
    );
    expect(paused.code).toBe(4);
    const request = (await json('approvals')).body.find(
      (item: { taskId: string }) => item.taskId === paused.body.taskId,
    );
    expect((await runWarden(['approve', String(request.id), ...home()])).code).toBe(0);
    return paused.body.taskId as string;
  };

  beforeAll(() => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
  });
  afterAll(work.cleanup);

  it('restores --max-steps and --max-usd given at the start; a resume without them is still bounded', async () => {
    const taskId = await pause('steps', '--max-steps', '5', '--max-usd', '0.2');
    const resumed = await json('resume', taskId);
    expect(resumed.body).toMatchObject({ status: 'stopped', stopReason: 'max-steps', steps: 5 });
    expect(resumed.code).toBe(3);
    const trace = (await json('trace', taskId)).body as Array<Record<string, unknown>>;
    expect(trace.find((event) => event.type === 'task-start')!.limits).toMatchObject({
      maxSteps: 5,
      maxUsd: 0.2,
    });
    expect(trace.filter((event) => event.type === 'model-request')).toHaveLength(5);
  });

  it('restores the limits of a --config the resume does not pass', async () => {
    const config = path.join(work.dir, 'tight.yaml');
    writeFileSync(config, 'budget:\n  maxSteps: 4\n');
    const taskId = await pause('config', '--config', config);
    const resumed = await json('resume', taskId);
    expect(resumed.body).toMatchObject({ stopReason: 'max-steps', steps: 4 });
  });

  it('lets a resume tighten, journaled; loosening needs --allow-loosen, also journaled', async () => {
    const tightened = await pause('tighten', '--max-steps', '8');
    const resumed = await json('resume', tightened, '--max-steps', '3');
    expect(resumed.body).toMatchObject({ stopReason: 'max-steps', steps: 3 });
    const trace = (await json('trace', tightened)).body as Array<Record<string, unknown>>;
    expect(trace.find((event) => event.type === 'limits-changed')).toMatchObject({
      changes: [{ field: 'maxSteps', recorded: 8, current: 3, kind: 'tighten' }],
    });

    const loosened = await pause('loosen', '--max-steps', '3');
    const more = await json('resume', loosened, '--max-steps', '6', '--allow-loosen');
    expect(more.body).toMatchObject({ stopReason: 'max-steps', steps: 6 });
    const events = (await json('trace', loosened)).body as Array<Record<string, unknown>>;
    const change = events.find((event) => event.type === 'limits-changed') as {
      changes: Array<Record<string, unknown>>;
    };
    expect(change.changes).toContainEqual({ field: 'maxSteps', recorded: 3, current: 6, kind: 'loosen' });
  });

  it('refuses to resume under another policy bundle unless told to', async () => {
    const taskId = await pause('bundle');
    const bundle = path.join(work.dir, 'bundle');
    const source = path.resolve('policies/default');
    // A copy of the default bundle plus one more policy: another hash.
    cpSync(source, bundle, { recursive: true });
    writeFileSync(path.join(bundle, 'extra.cedar'), 'forbid (principal, action, resource) when { false };\n');
    const config = path.join(work.dir, 'other-bundle.yaml');
    writeFileSync(config, `policy:\n  bundle: ${JSON.stringify(bundle)}\n`);
    const refused = await json('resume', taskId, '--config', config);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/policyBundleHash/);
    expect(refused.stderr).toMatch(/--allow-loosen/);
  });
});
