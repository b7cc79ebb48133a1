import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LoopFixture, openLoopFixture, RecordingModel } from '../../test/support/agent-loop-fixture.ts';
import { checkFailedMessage } from './check-failed-message.ts';
import { escalate, modelAtTier } from './escalation.ts';

let fixture: LoopFixture;
beforeEach(async () => {
  fixture = await openLoopFixture();
});
afterEach(() => fixture.close());

const small = new RecordingModel('small-model', []);
const mid = new RecordingModel('mid-model', []);
const top = new RecordingModel('top-model', []);
const failure = { check: 'npm test', summary: 'exit 1', output: '1 test failed' };
const at = () => ({ taskId: fixture.taskId, journal: fixture.journal, step: 2 });

describe('escalate', () => {
  it('moves the task one tier up, tells the model why, and journals the move', async () => {
    const outcome = await escalate(at(), [mid, top], 0, failure);
    expect(outcome).toEqual({
      kind: 'escalated',
      model: mid,
      escalations: 1,
      message: { role: 'user', content: checkFailedMessage('npm test', 'exit 1', '1 test failed') },
    });
    expect(await fixture.events('route-decision')).toMatchObject([
      { step: 2, kind: 'escalate', model: 'mid-model', tier: 'mid-model', reason: 'npm test failed: exit 1' },
    ]);
  });

  it('moves from the tier the task is on, not from the first', async () => {
    const outcome = await escalate(at(), [mid, top], 1, failure);
    expect(outcome).toMatchObject({ kind: 'escalated', model: top, escalations: 2 });
  });

  it('fails the task with check-failed when no tier is left, and journals no move', async () => {
    expect(await escalate(at(), [mid], 1, failure)).toEqual({
      kind: 'stopped',
      stopReason: 'check-failed',
      detail: 'npm test failed: exit 1',
    });
    expect(await escalate(at(), [], 0, failure)).toMatchObject({ stopReason: 'check-failed' });
    expect(await fixture.types()).toEqual([]);
  });
});

describe('modelAtTier', () => {
  it('is the starting model, then each higher tier, and undefined past the last', () => {
    expect(modelAtTier(small, [mid, top], 0)).toBe(small);
    expect(modelAtTier(small, [mid, top], 1)).toBe(mid);
    expect(modelAtTier(small, [mid, top], 2)).toBe(top);
    expect(modelAtTier(small, [mid, top], 3)).toBeUndefined();
  });
});
