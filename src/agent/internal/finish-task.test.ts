import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LoopFixture, openLoopFixture } from '../../../test/support/agent-loop-fixture.ts';
import { finishTask } from './finish-task.ts';

let fixture: LoopFixture;
beforeEach(async () => {
  fixture = await openLoopFixture();
});
afterEach(() => fixture.close());

const ending = () => ({
  journal: fixture.journal,
  taskId: fixture.taskId,
  detail: 'the model finished',
  steps: 2,
  spent: { usd: 0.25, tokens: 1200 },
});

describe('finishTask', () => {
  it('ends the task: the event and the row agree on status, steps, cost and branch', async () => {
    const { task, cacheHitRatio } = await finishTask({
      ...ending(),
      stopReason: 'finished',
      status: 'succeeded',
      verification: 'passed',
      branch: 'warden/t1',
      paused: false,
    });
    expect(task).toMatchObject({ status: 'succeeded', stopReason: 'finished', steps: 2, costUsd: 0.25 });
    expect(task.branch).toBe('warden/t1');
    expect(task.endedAt).not.toBeNull();
    expect(cacheHitRatio).toBeNull();
    expect(await fixture.events('task-end')).toMatchObject([
      {
        status: 'succeeded',
        stopReason: 'finished',
        steps: 2,
        costUsd: 0.25,
        tokens: 1200,
        branch: 'warden/t1',
      },
    ]);
    expect(await fixture.store.getTask(fixture.taskId)).toMatchObject({ status: 'succeeded', steps: 2 });
  });

  it('pauses a task that waits for an approval: no end time, `task-pause`', async () => {
    const { task } = await finishTask({
      ...ending(),
      stopReason: 'awaiting-approval',
      status: 'awaiting_approval',
      verification: 'none',
      branch: undefined,
      paused: true,
    });
    expect(task).toMatchObject({ status: 'awaiting_approval', endedAt: null, branch: null });
    expect(await fixture.types()).toEqual(['task-pause']);
  });

  it("reports the prompt-cache hit ratio over every model call of the task's journal", async () => {
    for (const cacheRead of [0, 600]) {
      await fixture.journal.append(fixture.taskId, 'model-response', {
        step: 1,
        model: 'scripted:test',
        finishReason: 'stop',
        text: '',
        toolCalls: [],
        usage: { input: 200, output: 10, cacheRead, cacheWrite: 0 },
        rawUsage: null,
        batch: false,
        costUsd: 0,
        priceKey: 'scripted:test',
        priceTableVersion: 'test',
        latencyMs: 1,
        spentUsd: 0,
      });
    }
    const { cacheHitRatio } = await finishTask({
      ...ending(),
      stopReason: 'max-steps',
      status: 'stopped',
      verification: 'none',
      branch: undefined,
      paused: false,
    });
    expect(cacheHitRatio).toBeCloseTo(600 / 1000, 9);
    expect((await fixture.events('task-end'))[0]).toMatchObject({ status: 'stopped', cacheHitRatio });
  });
});
