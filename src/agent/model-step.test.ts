import { afterEach, describe, expect, it } from 'vitest';
import {
  type LoopFixture,
  openLoopFixture,
  PRICED_KEY,
  RecordingModel,
  scriptedModel,
} from '../../test/support/agent-loop-fixture.ts';
import { loadPriceTable, ModelCallError } from '../model/index.ts';
import { BreakerOpenError } from '../spec/errors.ts';
import { createDeadline } from './internal/deadline.ts';
import { SerializedSizes } from './internal/serialized-sizes.ts';
import { type ModelStepSettings, runModelStep } from './model-step.ts';

let fixture: LoopFixture;
let now: number;
afterEach(() => fixture.close());

async function settingsOf(options: { taskUsd?: number | null } = {}): Promise<ModelStepSettings> {
  fixture = await openLoopFixture(options);
  now = 0;
  return {
    taskId: fixture.taskId,
    journal: fixture.journal,
    guard: fixture.guard,
    priceTable: loadPriceTable(),
    counterfactualKey: 'anthropic:claude-opus-4-7',
    system: 'be careful',
    tools: {},
    maxOutputTokens: 1000,
    deadline: createDeadline(60, () => now),
    sizes: new SerializedSizes(),
  };
}

const conversation = () => [{ role: 'user' as const, content: 'fix it' }];

describe('runModelStep', () => {
  it('reserves, calls, books and journals an answered call as the step it was given', async () => {
    const settings = await settingsOf();
    const model = await scriptedModel(fixture.dir, 'one', [
      { text: 'done', usage: { input_tokens: 500, output_tokens: 20 } },
    ]);
    const outcome = await runModelStep(settings, { model, messages: conversation(), step: 3 });
    expect(outcome).toMatchObject({ kind: 'answered', called: true, turn: { text: 'done' } });
    expect(await fixture.types()).toEqual(['model-request', 'model-response']);
    const [request] = await fixture.events('model-request');
    const [response] = await fixture.events('model-response');
    expect(request).toMatchObject({ step: 3, priceKey: PRICED_KEY, messages: 1, maxOutputTokens: 1000 });
    expect(response).toMatchObject({ step: 3, text: 'done', usage: { input: 500, output: 20 } });
    // What was booked is what the reply cost, not the reservation.
    expect(fixture.guard.spent.usd).toBeGreaterThan(0);
    expect(fixture.guard.spent.usd).toBe(response!.costUsd);
    expect(response!.costUsd).toBeLessThan(request!.reservedUsd as number);
  });

  it('does not make a call whose bound could cross the task limit, and it does not count', async () => {
    const settings = await settingsOf({ taskUsd: 0.000001 });
    const model = new RecordingModel('never', [{ text: 'unreachable' }]);
    const outcome = await runModelStep(settings, { model, messages: conversation(), step: 1 });
    expect(outcome).toMatchObject({ kind: 'stopped', called: false, stopReason: 'budget' });
    expect(model.requests).toEqual([]);
    expect(await fixture.types()).toEqual(['budget-exceeded']);
    expect(fixture.guard.spent.usd).toBe(0);
  });

  it('ends the task on a failed call, journaled with its code, and releases the reservation', async () => {
    const settings = await settingsOf();
    const failure = new ModelCallError('the vendor answered 400', { isRetryable: false, status: 400 });
    const model = new RecordingModel('broken', [failure]);
    const outcome = await runModelStep(settings, { model, messages: conversation(), step: 1 });
    expect(outcome).toMatchObject({ kind: 'stopped', called: true, stopReason: 'model-error' });
    expect(await fixture.types()).toEqual(['model-request', 'error']);
    expect((await fixture.events('error'))[0]).toMatchObject({
      step: 1,
      source: 'model',
      code: 'model-call-failed',
      retryable: false,
    });
    expect(fixture.guard.spent.usd).toBe(0);
  });

  it("ends with `error` when the call failed on the user's mistake (a script that ran out)", async () => {
    const settings = await settingsOf();
    const model = await scriptedModel(fixture.dir, 'short', [{ text: 'only one' }]);
    const messages = [...conversation(), { role: 'assistant' as const, content: 'only one' }];
    const outcome = await runModelStep(settings, { model, messages, step: 2 });
    expect(outcome).toMatchObject({ kind: 'stopped', called: true, stopReason: 'error' });
    expect(outcome.kind === 'stopped' && outcome.detail).toMatch(/has 1 turns/);
  });

  it('stops on wall time when the deadline passed while the call was failing', async () => {
    const settings = await settingsOf();
    const timeout = new ModelCallError('timed out', { isRetryable: true });
    const model = new RecordingModel('slow', [timeout], async (request) => {
      expect(request.abortSignal?.aborted).toBe(false);
      now += 61_000;
    });
    const outcome = await runModelStep(settings, { model, messages: conversation(), step: 1 });
    expect(outcome).toEqual({
      kind: 'stopped',
      called: true,
      stopReason: 'wall-time',
      detail: 'reached the limit of 60 seconds',
    });
  });

  it('stops on open breakers when a routed client refused before sending, and the call does not count', async () => {
    const settings = await settingsOf();
    const model = new RecordingModel('router:small', [
      new BreakerOpenError('every model of small is open', []),
    ]);
    const outcome = await runModelStep(settings, { model, messages: conversation(), step: 1 });
    expect(outcome).toMatchObject({ kind: 'stopped', called: false, stopReason: 'breaker' });
    expect(await fixture.types()).toEqual(['model-request', 'breaker-open']);
  });

  it("journals the routed client's decisions under the step's number", async () => {
    const settings = await settingsOf();
    const model = new RecordingModel('router:small', [{ text: 'ok' }], async (request) => {
      await request.onRouteDecision?.({
        kind: 'pick',
        model: PRICED_KEY,
        tier: 'small',
        attempt: 1,
        reason: 'first model of the small tier',
        waitMs: 0,
      });
    });
    await runModelStep(settings, { model, messages: conversation(), step: 5 });
    expect(await fixture.types()).toEqual(['model-request', 'route-decision', 'model-response']);
    expect((await fixture.events('route-decision'))[0]).toMatchObject({
      step: 5,
      kind: 'pick',
      tier: 'small',
    });
  });

  it('books the reservation, never the claim, for impossible usage and ends the task', async () => {
    const settings = await settingsOf();
    const model = await scriptedModel(fixture.dir, 'liar', [
      { text: 'free', usage: { input_tokens: -5_000, output_tokens: 10 } },
    ]);
    const outcome = await runModelStep(settings, { model, messages: conversation(), step: 1 });
    expect(outcome).toMatchObject({ kind: 'stopped', called: true, stopReason: 'model-error' });
    expect(await fixture.types()).toEqual(['model-request', 'usage-anomaly']);
    const [request] = await fixture.events('model-request');
    expect(fixture.guard.spent.usd).toBeCloseTo(request!.reservedUsd as number, 9);
  });
});
