import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type LoopFixture,
  openLoopFixture,
  RecordingModel,
  recordingApprovals,
  recordingDecider,
  recordingToolContext,
  testTools,
  toolCall,
} from '../../test/support/agent-loop-fixture.ts';
import { loadPriceTable, type ModelClient } from '../model/index.ts';
import { type AgentLoopSettings, runAgentLoop } from './agent-loop.ts';
import { checkFailedMessage } from './check-failed-message.ts';
import type { TaskCheck } from './check-step.ts';
import type { ResumeState } from './replay-journal.ts';

let fixture: LoopFixture;
beforeEach(async () => {
  fixture = await openLoopFixture();
});
afterEach(() => fixture.close());

function settingsOf(model: ModelClient, overrides: Partial<AgentLoopSettings> = {}) {
  const { tools, ran } = testTools();
  const context = recordingToolContext(fixture.dir);
  const settings: AgentLoopSettings = {
    taskId: fixture.taskId,
    system: 'be careful',
    prompt: 'fix it',
    model,
    priceTable: loadPriceTable(),
    tools,
    toolContext: context,
    decider: recordingDecider(),
    journal: fixture.journal,
    guard: fixture.guard,
    counterfactualKey: 'anthropic:claude-opus-4-7',
    limits: { maxSteps: 10, maxWallSeconds: 60 },
    maxOutputTokens: 1000,
    toolOutputChars: 10_000,
    ...overrides,
  };
  return { settings, ran, context };
}

/** A check double that gives each of `verdicts` in turn, with `higher` as its cascade. */
function checkGiving(verdicts: boolean[], higher: ModelClient[]): TaskCheck {
  return {
    name: 'npm test',
    higher,
    async run() {
      const passed = verdicts.shift() ?? false;
      return { passed, summary: passed ? 'exit 0' : 'exit 1', output: passed ? 'ok' : '1 test failed' };
    },
  };
}

describe('runAgentLoop', () => {
  it('feeds tool results back to the model until it answers without a call', async () => {
    const model = new RecordingModel('small', [
      { toolCalls: [toolCall('call_1', 'echo', { text: 'hello' })] },
      { text: 'all done' },
    ]);
    const { settings, ran } = settingsOf(model);
    const result = await runAgentLoop(settings);
    expect(result).toEqual({
      stopReason: 'finished',
      steps: 2,
      finalText: 'all done',
      detail: 'the model finished',
    });
    expect(ran).toEqual(['echo hello']);
    // The second call saw the prompt, the first reply and its tool result.
    expect(model.requests.map((request) => request.messageCount)).toEqual([1, 3]);
    expect(model.requests[1]!.messages[2]).toMatchObject({ role: 'tool' });
    expect(model.requests[0]!.tools).toHaveProperty('echo.inputSchema.type', 'object');
  });

  it('escalates one tier on a failed check, tells the next model why, and finishes when it passes', async () => {
    const small = new RecordingModel('small', [{ text: 'looks fine' }]);
    const mid = new RecordingModel('mid', [{ text: 'fixed' }]);
    const top = new RecordingModel('top', []);
    const { settings } = settingsOf(small, { check: checkGiving([false, true], [mid, top]) });
    const result = await runAgentLoop(settings);
    expect(result).toMatchObject({ stopReason: 'finished', steps: 2, finalText: 'fixed' });
    expect(result.detail).toBe('the model finished and npm test passed');
    expect(mid.requests[0]!.messages.at(-1)).toEqual({
      role: 'user',
      content: checkFailedMessage('npm test', 'exit 1', '1 test failed'),
    });
    expect(top.requests).toEqual([]);
    expect(await fixture.types()).toEqual([
      'model-request',
      'model-response',
      'check',
      'route-decision',
      'model-request',
      'model-response',
      'check',
    ]);
  });

  it('fails with check-failed when the top tier fails the check too', async () => {
    const small = new RecordingModel('small', [{ text: 'looks fine' }]);
    const top = new RecordingModel('top', [{ text: 'still fine' }]);
    const { settings } = settingsOf(small, { check: checkGiving([false, false], [top]) });
    expect(await runAgentLoop(settings)).toMatchObject({
      stopReason: 'check-failed',
      steps: 2,
      detail: 'npm test failed: exit 1',
    });
  });

  it('resumes on the tier its cascade had reached, running the pending calls before any model call', async () => {
    const small = new RecordingModel('small', []);
    const mid = new RecordingModel('mid', [{ text: 'fixed' }]);
    const resume: ResumeState = {
      messages: [
        { role: 'user', content: 'fix it' },
        {
          role: 'assistant',
          content: [{ type: 'tool-call', toolCallId: 'call_1', toolName: 'echo', input: { text: 'again' } }],
        },
      ],
      finishedResults: [],
      pendingCalls: [toolCall('call_1', 'echo', { text: 'again' })],
      steps: 3,
      spentUsd: 0,
      spentTokens: 0,
      finalText: 'earlier',
      escalations: 1,
      modelFinished: false,
    };
    const { settings, ran } = settingsOf(small, { resume, check: checkGiving([true], [mid]) });
    const result = await runAgentLoop(settings);
    expect(result).toMatchObject({ stopReason: 'finished', steps: 4, finalText: 'fixed' });
    expect(ran).toEqual(['echo again']);
    expect(small.requests).toEqual([]);
    expect(mid.requests[0]!.messages.at(-1)).toMatchObject({ role: 'tool' });
  });

  it('resumes a task whose model had finished with its check, not with another model call', async () => {
    const small = new RecordingModel('small', []);
    const resume: ResumeState = {
      messages: [
        { role: 'user', content: 'fix it' },
        { role: 'assistant', content: [{ type: 'text', text: 'fixed it' }] },
      ],
      finishedResults: [],
      pendingCalls: [],
      steps: 3,
      spentUsd: 0,
      spentTokens: 0,
      finalText: 'fixed it',
      escalations: 0,
      modelFinished: true,
    };
    const { settings } = settingsOf(small, { resume, check: checkGiving([true], []) });
    expect(await runAgentLoop(settings)).toMatchObject({
      stopReason: 'finished',
      steps: 3,
      finalText: 'fixed it',
    });
    expect(small.requests).toEqual([]);
    expect(await fixture.types()).toEqual(['check']);
  });

  it('refuses to resume on a tier the config no longer has, without a model call', async () => {
    const small = new RecordingModel('small', []);
    const resume: ResumeState = {
      messages: [{ role: 'user', content: 'fix it' }],
      finishedResults: [],
      pendingCalls: [],
      steps: 2,
      spentUsd: 0,
      spentTokens: 0,
      finalText: '',
      escalations: 2,
      modelFinished: false,
    };
    const { settings } = settingsOf(small, { resume, check: checkGiving([], []) });
    const result = await runAgentLoop(settings);
    expect(result).toMatchObject({ stopReason: 'error', steps: 2 });
    expect(result.detail).toMatch(/escalated 2 tier\(s\)/);
    expect(small.requests).toEqual([]);
  });

  it('stops at the step limit before the call past it', async () => {
    const calls = [1, 2, 3].map((index) => ({
      toolCalls: [toolCall(`call_${index}`, 'echo', { text: `${index}` })],
    }));
    const model = new RecordingModel('small', calls);
    const { settings } = settingsOf(model, { limits: { maxSteps: 2, maxWallSeconds: 60 } });
    expect(await runAgentLoop(settings)).toMatchObject({
      stopReason: 'max-steps',
      steps: 2,
      detail: 'reached the limit of 2 model calls',
    });
    expect(model.requests).toHaveLength(2);
  });

  it("bounds every command by the task's deadline and stops on wall time before the next call", async () => {
    let now = 0;
    // The first call takes 15 s of the run's 60.
    const model = new RecordingModel(
      'small',
      [{ toolCalls: [toolCall('call_1', 'run', { command: 'make' })] }, { text: 'unreachable' }],
      async () => {
        now += 15_000;
      },
    );
    const { settings, context } = settingsOf(model, { clock: () => now });
    const { exec } = context;
    settings.toolContext = {
      ...context,
      exec: async (command, options) => {
        const result = await exec(command, options);
        now += 45_000; // the command used the rest of the run
        return result;
      },
    };
    const result = await runAgentLoop(settings);
    // The tool asked for its 600 s maximum; the 45 s left of the run are all it got.
    expect(context.executed).toEqual([{ command: 'make', timeoutMs: 45_000 }]);
    expect(result).toMatchObject({
      stopReason: 'wall-time',
      steps: 1,
      detail: 'reached the limit of 60 seconds',
    });
    expect(model.requests).toHaveLength(1);
  });

  it('pauses for an approval with the steps made so far, and calls the model no more', async () => {
    const model = new RecordingModel('small', [
      { toolCalls: [toolCall('call_1', 'run', { command: 'deploy' })] },
    ]);
    const { settings, ran } = settingsOf(model, {
      decider: recordingDecider({ run: 'ask' }),
      approvals: recordingApprovals('pending'),
    });
    expect(await runAgentLoop(settings)).toMatchObject({
      stopReason: 'awaiting-approval',
      steps: 1,
      detail: 'run waits for a human approval (approval-1)',
    });
    expect(ran).toEqual([]);
  });
});
