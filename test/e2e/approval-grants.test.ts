import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const WORKFLOW = '.github/workflows/ci.yml';
const APPROVED = 'on: push\njobs: {}\n';

const write = (file: string, content: string) => ({
  tool_calls: [{ name: 'write_file', input: { path: file, content } }],
  usage: { input_tokens: 1000, output_tokens: 40 },
});

describe('an approval grants exactly the approved call, once (real CLI, real Cedar bundle, real sandbox)', () => {
  const work = scratch('approval-grants');
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
  /** The pending requests of a task, newest first. */
  const pending = async (taskId: string) =>
    ((await json('approvals')).body as Array<Record<string, unknown>>).filter(
      (item) => item.taskId === taskId && item.status === 'pending',
    );
  /** Runs the task until it pauses, approves its one pending request, and resumes it. */
  const approveAndResume = async (taskId: string) => {
    const requests = await pending(taskId);
    expect(requests).toHaveLength(1);
    expect((await warden('approve', String(requests[0]!.id))).code).toBe(0);
    return await json('resume', taskId);
  };

  beforeAll(() => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
  });
  afterAll(work.cleanup);

  it('ask → approve → resume writes the protected file, and the branch carries it', async () => {
    const paused = await start('grant', [write(WORKFLOW, APPROVED), { text: 'workflow added' }]);
    expect(paused.code).toBe(4);
    expect(paused.body).toMatchObject({ status: 'awaiting_approval' });

    const resumed = await approveAndResume(paused.body.taskId);
    expect(resumed.code).toBe(0);
    // No check is configured here: the approved change lands, unverified.
    expect(resumed.body).toMatchObject({ status: 'unverified', branch: `warden/${paused.body.taskId}` });
    expect(git(repo, 'show', `warden/${paused.body.taskId}:${WORKFLOW}`)).toBe(APPROVED.trim());

    const ends = (await events(paused.body.taskId)).filter((event) => event.type === 'tool-call-end');
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ isError: false });
    expect(String(ends[0]!.approvalId)).toMatch(/^apr-/);
  });

  it('other content for the same path after the approval asks again', async () => {
    const paused = await start('other-content', [
      write(WORKFLOW, APPROVED),
      write(WORKFLOW, 'on: push\njobs: { steal: {} }\n'),
      { text: 'done' },
    ]);
    expect(paused.code).toBe(4);
    const resumed = await approveAndResume(paused.body.taskId);
    // The approved write ran; the changed one waits for its own decision.
    expect(resumed.code).toBe(4);
    expect(resumed.body).toMatchObject({ status: 'awaiting_approval' });
    const requests = await pending(paused.body.taskId);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.input).toMatchObject({ content: 'on: push\njobs: { steal: {} }\n' });
  });

  it('another path after the approval asks again, and so does the same call a second time', async () => {
    const paused = await start('other-path', [
      write(WORKFLOW, APPROVED),
      write('.github/workflows/release.yml', APPROVED),
      { text: 'done' },
    ]);
    expect(paused.code).toBe(4);
    const resumed = await approveAndResume(paused.body.taskId);
    expect(resumed.code).toBe(4);
    const requests = await pending(paused.body.taskId);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.input).toMatchObject({ path: '.github/workflows/release.yml' });

    const again = await start('same-twice', [
      write(WORKFLOW, APPROVED),
      write(WORKFLOW, APPROVED),
      { text: 'done' },
    ]);
    expect(again.code).toBe(4);
    const second = await approveAndResume(again.body.taskId);
    // An approval is used once: the identical second call is a new request.
    expect(second.code).toBe(4);
    expect(await pending(again.body.taskId)).toHaveLength(1);
  });

  it('an approved call that fails fails the task instead of hiding in a success', async () => {
    // The approved edit cannot apply: the file it edits does not exist.
    const edit = { name: 'edit_file', input: { path: '.envrc', old_string: 'x', new_string: 'y' } };
    const paused = await start('approved-fails', [{ tool_calls: [edit] }, { text: 'done' }]);
    expect(paused.code).toBe(4);
    const resumed = await approveAndResume(paused.body.taskId);
    expect(resumed.body).toMatchObject({ status: 'failed', stopReason: 'approved-call-failed' });
    expect(resumed.code).toBe(1);
  });
});
