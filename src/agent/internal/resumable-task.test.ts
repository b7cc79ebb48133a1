import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LoopFixture, openLoopFixture } from '../../../test/support/agent-loop-fixture.ts';
import { loadResumableTask } from './resumable-task.ts';

let fixture: LoopFixture;
beforeEach(async () => {
  fixture = await openLoopFixture();
});
afterEach(() => fixture.close());

describe('loadResumableTask', () => {
  it('gives a task that waits for an approval, or an interrupted one whose workspace is kept', async () => {
    await fixture.store.updateTask(fixture.taskId, { status: 'awaiting_approval' });
    expect(await loadResumableTask(fixture.store, fixture.taskId)).toMatchObject({ id: 't1' });
    const keptUntil = new Date(Date.now() + 3_600_000).toISOString();
    await fixture.store.updateTask(fixture.taskId, { status: 'interrupted', resumableUntil: keptUntil });
    expect(await loadResumableTask(fixture.store, fixture.taskId)).toMatchObject({ status: 'interrupted' });
  });

  it('refuses an unknown task, a finished one, and an interrupted one whose workspace is gone', async () => {
    await expect(loadResumableTask(fixture.store, 'nope')).rejects.toMatchObject({ code: 'task-not-found' });
    await fixture.store.updateTask(fixture.taskId, { status: 'succeeded' });
    await expect(loadResumableTask(fixture.store, fixture.taskId)).rejects.toMatchObject({
      code: 'task-not-resumable',
      message: expect.stringMatching(/is succeeded/),
    });
    await fixture.store.updateTask(fixture.taskId, { status: 'interrupted', resumableUntil: null });
    await expect(loadResumableTask(fixture.store, fixture.taskId)).rejects.toMatchObject({
      code: 'task-not-resumable',
      message: expect.stringMatching(/workspace is gone/),
    });
  });
});
