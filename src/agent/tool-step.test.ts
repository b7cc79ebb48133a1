import { afterEach, describe, expect, it } from 'vitest';
import {
  type LoopFixture,
  openLoopFixture,
  recordingApprovals,
  recordingDecider,
  recordingToolContext,
  testTools,
  toolCall,
} from '../../test/support/agent-loop-fixture.ts';
import type { ApprovalGate } from './approval-gate.ts';
import { StuckDetector } from './stuck-detector.ts';
import { runToolStep, type ToolStepSettings } from './tool-step.ts';

let fixture: LoopFixture;
afterEach(() => fixture.close());

async function settingsOf(
  options: {
    decisions?: Record<string, 'allow' | 'deny' | 'ask'>;
    approvals?: ApprovalGate;
    toolErrorWindow?: number;
  } = {},
) {
  fixture = await openLoopFixture({ toolErrorWindow: options.toolErrorWindow });
  const { tools, ran } = testTools();
  const settings: ToolStepSettings = {
    taskId: fixture.taskId,
    journal: fixture.journal,
    guard: fixture.guard,
    decider: recordingDecider(options.decisions),
    approvals: options.approvals,
    tools: new Map(tools.map((tool) => [tool.name, tool])),
    context: recordingToolContext(fixture.dir),
    outputChars: 10_000,
    stuck: new StuckDetector(),
  };
  return { settings, ran };
}

describe('runToolStep', () => {
  it("runs a reply's calls in order and answers each one, failures as errors", async () => {
    const { settings, ran } = await settingsOf({ decisions: { fail: 'allow' } });
    const outcome = await runToolStep(settings, [
      toolCall('call_1', 'echo', { text: 'hello' }),
      toolCall('call_2', 'fail'),
    ]);
    expect(ran).toEqual(['echo hello', 'fail']);
    expect(outcome.stop).toBeUndefined();
    expect(outcome.message).toEqual({
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: 'call_1',
          toolName: 'echo',
          output: { type: 'text', value: 'hello' },
        },
        {
          type: 'tool-result',
          toolCallId: 'call_2',
          toolName: 'fail',
          output: { type: 'error-text', value: 'it broke' },
        },
      ],
    });
    expect(await fixture.types()).toEqual([
      'decision',
      'tool-call-start',
      'tool-call-end',
      'decision',
      'tool-call-start',
      'tool-call-end',
    ]);
  });

  it('keeps the results of calls that ran before a resume first, and runs only the rest', async () => {
    const { settings, ran } = await settingsOf();
    const earlier = {
      type: 'tool-result' as const,
      toolCallId: 'call_1',
      toolName: 'echo',
      output: { type: 'text' as const, value: 'before' },
    };
    const outcome = await runToolStep(settings, [toolCall('call_2', 'echo', { text: 'after' })], [earlier]);
    expect(ran).toEqual(['echo after']);
    expect(outcome.message?.content.map((part) => part.type === 'tool-result' && part.toolCallId)).toEqual([
      'call_1',
      'call_2',
    ]);
  });

  it('pauses at a call that waits for approval: nothing after it runs and nothing goes to the model', async () => {
    const approvals = recordingApprovals('pending');
    const { settings, ran } = await settingsOf({ decisions: { run: 'ask' }, approvals });
    const outcome = await runToolStep(settings, [
      toolCall('call_1', 'echo', { text: 'first' }),
      toolCall('call_2', 'run', { command: 'deploy' }),
      toolCall('call_3', 'echo', { text: 'never' }),
    ]);
    expect(outcome).toEqual({
      stop: { stopReason: 'awaiting-approval', detail: 'run waits for a human approval (approval-1)' },
    });
    expect(ran).toEqual(['echo first']);
    expect(approvals.requested.map((call) => call.id)).toEqual(['call_2']);
  });

  it('stops a loop as stuck, journaled and recorded as a loop, after answering every call of the step', async () => {
    const { settings } = await settingsOf({ decisions: { fail: 'allow' } });
    // The same call failing three times is a loop; the fourth call of the step still gets its answer.
    const calls = [1, 2, 3].map((index) => toolCall(`call_${index}`, 'fail'));
    const outcome = await runToolStep(settings, [...calls, toolCall('call_4', 'echo', { text: 'x' })]);
    expect(outcome.stop?.stopReason).toBe('stuck');
    expect(outcome.message?.content).toHaveLength(4);
    expect((await fixture.events('stuck-detected'))[0]).toMatchObject({ pattern: 'repeated-failure' });
    expect(await fixture.breakers.check([`task:${fixture.taskId}`])).toMatchObject({ kind: 'loop' });
  });

  it('stops on the tool-error breaker once more than half of the recent calls failed', async () => {
    const { settings } = await settingsOf({ toolErrorWindow: 2 });
    const outcome = await runToolStep(settings, [toolCall('call_1', 'fail'), toolCall('call_2', 'nope')]);
    expect(outcome.stop).toMatchObject({ stopReason: 'breaker' });
    expect(outcome.stop?.detail).toMatch(/2 of the task's last 2 tool calls failed/);
    expect(outcome.message?.content).toHaveLength(2);
  });
});
