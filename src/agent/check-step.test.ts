import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LoopFixture, openLoopFixture } from '../../test/support/agent-loop-fixture.ts';
import { runCheckStep, type TaskCheck } from './check-step.ts';

let fixture: LoopFixture;
beforeEach(async () => {
  fixture = await openLoopFixture();
});
afterEach(() => fixture.close());

/** A check double that gives `result` and counts its runs. */
function checkGiving(result: {
  passed: boolean;
  summary: string;
  output: string;
}): TaskCheck & { runs: number } {
  const check = {
    name: 'npm test',
    higher: [],
    runs: 0,
    async run() {
      check.runs += 1;
      return result;
    },
  };
  return check;
}

const at = () => ({ taskId: fixture.taskId, journal: fixture.journal, step: 4 });

describe('runCheckStep', () => {
  it("takes the model's word when the task has no check, and journals nothing", async () => {
    expect(await runCheckStep(at(), undefined)).toEqual({
      kind: 'done',
      stopReason: 'finished',
      detail: 'the model finished',
    });
    expect(await fixture.types()).toEqual([]);
  });

  it('finishes the task when the check passes, journaled under the step', async () => {
    const check = checkGiving({ passed: true, summary: 'exit 0', output: 'ok' });
    expect(await runCheckStep(at(), check)).toEqual({
      kind: 'done',
      stopReason: 'finished',
      detail: 'the model finished and npm test passed',
    });
    expect(check.runs).toBe(1);
    expect(await fixture.events('check')).toMatchObject([
      { step: 4, check: 'npm test', passed: true, summary: 'exit 0', output: 'ok' },
    ]);
  });

  it('hands a failing check back with what it printed, journaled as failed', async () => {
    const check = checkGiving({ passed: false, summary: 'exit 1', output: '1 test failed' });
    expect(await runCheckStep(at(), check)).toEqual({
      kind: 'failed',
      failure: { check: 'npm test', summary: 'exit 1', output: '1 test failed' },
    });
    expect(await fixture.events('check')).toMatchObject([{ step: 4, passed: false, summary: 'exit 1' }]);
  });
});
