import type { ModelMessage } from 'ai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type LoopFixture,
  openLoopFixture,
  RecordingModel,
  recordingDecider,
  recordingToolContext,
  toolCall,
} from '../../test/support/agent-loop-fixture.ts';
import { loadPriceTable, type ModelTool } from '../model/index.ts';
import { type AgentLoopSettings, runAgentLoop } from './agent-loop.ts';
import {
  type CompactionSettings,
  type CompactionStepSettings,
  runCompactionStep,
} from './compaction-step.ts';
import { estimateTokens, toolResultStub } from './internal/compact-conversation.ts';
import { SerializedSizes } from './internal/serialized-sizes.ts';
import { replayJournal } from './replay-journal.ts';
import type { AnyToolDefinition } from './tools/tool.ts';

let fixture: LoopFixture;
beforeEach(async () => {
  fixture = await openLoopFixture({ taskUsd: null });
});
afterEach(() => fixture.close());

const SYSTEM = 'be careful';
const TOOLS: Record<string, ModelTool> = { read: { description: 'reads', inputSchema: { type: 'object' } } };
/** A tool output of `chars` characters, different per step. */
const outputOf = (step: number, chars = 4000) => `${step}:`.padEnd(chars, String(step % 10));

/** The task, then `steps` turns: an assistant reply calling `read {n}`, and its result of 4,000 characters. */
function conversation(steps: number): ModelMessage[] {
  const messages: ModelMessage[] = [{ role: 'user', content: 'fix it' }];
  for (let step = 1; step <= steps; step += 1) {
    messages.push(
      {
        role: 'assistant',
        content: [
          { type: 'text', text: `reading part ${step}` },
          { type: 'tool-call', toolCallId: `call_${step}`, toolName: 'read', input: { n: step } },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: `call_${step}`,
            toolName: 'read',
            output: { type: 'text', value: outputOf(step) },
          },
        ],
      },
    );
  }
  return messages;
}

function stepSettings(compaction: CompactionSettings | null): CompactionStepSettings {
  return {
    taskId: fixture.taskId,
    journal: fixture.journal,
    compaction,
    system: SYSTEM,
    tools: TOOLS,
    sizes: new SerializedSizes(),
  };
}

const tokensOf = (messages: readonly ModelMessage[]) =>
  estimateTokens({ system: SYSTEM, messages, tools: TOOLS }, new SerializedSizes());

describe('runCompactionStep', () => {
  it('compacts when the estimate reaches the trigger, and not one token before', async () => {
    const messages = conversation(10);
    const tokens = tokensOf(messages);
    const below = stepSettings({ triggerTokens: tokens + 1, keepRecentTurns: 3 });
    expect(await runCompactionStep(below, messages, 11)).toBeUndefined();
    expect(await fixture.types()).toEqual([]);
    const at = stepSettings({ triggerTokens: tokens, keepRecentTurns: 3 });
    expect(await runCompactionStep(at, messages, 11)).toBeDefined();
  });

  it('keeps the task, every assistant turn and the newest turns byte for byte, and stubs the rest', async () => {
    const messages = conversation(10);
    const before = JSON.parse(JSON.stringify(messages)) as ModelMessage[];
    const compacted = await runCompactionStep(
      stepSettings({ triggerTokens: 1000, keepRecentTurns: 3 }),
      messages,
      11,
    );
    expect(compacted).toHaveLength(messages.length);
    // The conversation given is not changed; kept messages are the very same objects.
    expect(messages).toEqual(before);
    const kept = messages.length - 6;
    for (const [index, message] of messages.entries()) {
      if (index === 0 || message.role === 'assistant' || index >= kept) {
        expect(compacted![index]).toBe(message);
      }
    }
    const stubbed = compacted!.slice(0, kept).filter((message) => message.role === 'tool');
    expect(stubbed).toHaveLength(7);
    expect(stubbed[0]).toEqual({
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: 'call_1',
          toolName: 'read',
          output: { type: 'text', value: toolResultStub('read', 'call_1', { n: 1 }, 4000, 11) },
        },
      ],
    });
    expect(toolResultStub('read', 'call_1', { n: 1 }, 4000, 11)).toBe(
      '[read {"n":1}: output dropped at step 11 (4000 chars) to keep the context small; recall_output {"call_id":"call_1"} shows it again]',
    );
  });

  it('journals the step, the tokens before and after, and the calls it dropped', async () => {
    const messages = conversation(10);
    const compacted = await runCompactionStep(
      stepSettings({ triggerTokens: 1000, keepRecentTurns: 3 }),
      messages,
      11,
    );
    const [event] = await fixture.events('context-compacted');
    expect(event).toMatchObject({
      step: 11,
      tokensBefore: tokensOf(messages),
      tokensAfter: tokensOf(compacted!),
      dropped: ['call_1', 'call_2', 'call_3', 'call_4', 'call_5', 'call_6', 'call_7'],
    });
    expect(event!.tokensAfter).toBeLessThan(event!.tokensBefore / 2);
  });

  it('waits while a compaction would free less than a quarter of the trigger, and is not made twice', async () => {
    // One output older than the three turns kept: about 1,000 tokens to free.
    const messages = conversation(4);
    const tokens = tokensOf(messages);
    expect(tokens).toBeGreaterThan(4000);
    const atTrigger = stepSettings({ triggerTokens: tokens, keepRecentTurns: 3 });
    expect(await runCompactionStep(atTrigger, messages, 5)).toBeUndefined();
    const lower = stepSettings({ triggerTokens: 3000, keepRecentTurns: 3 });
    const compacted = await runCompactionStep(lower, messages, 5);
    expect(compacted).toBeDefined();
    // The compacted conversation has nothing left worth dropping: a resumed task does not compact again.
    expect(await runCompactionStep(lower, compacted!, 5)).toBeUndefined();
    expect((await fixture.events('context-compacted')).map((event) => event.dropped)).toEqual([['call_1']]);
  });

  it('keeps short outputs and other kinds of output, and answers every call', async () => {
    const messages = conversation(6);
    messages.push(
      {
        role: 'assistant',
        content: [{ type: 'tool-call', toolCallId: 'call_short', toolName: 'read', input: {} }],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'call_short',
            toolName: 'read',
            output: { type: 'error-text', value: 'no such file' },
          },
        ],
      },
      { role: 'user', content: 'npm test failed' },
    );
    messages.push(
      ...conversation(2)
        .slice(1)
        .map((message) => renamed(message, 'late')),
    );
    const compacted = await runCompactionStep(
      stepSettings({ triggerTokens: 1000, keepRecentTurns: 2 }),
      messages,
      9,
    );
    const results = compacted!.flatMap((message) =>
      message.role === 'tool' ? message.content.filter((part) => part.type === 'tool-result') : [],
    );
    const calls = compacted!.flatMap((message) =>
      message.role === 'assistant' && typeof message.content !== 'string'
        ? message.content.filter((part) => part.type === 'tool-call')
        : [],
    );
    expect(results.map((part) => part.toolCallId)).toEqual(calls.map((part) => part.toolCallId));
    expect(results.find((part) => part.toolCallId === 'call_short')!.output).toEqual({
      type: 'error-text',
      value: 'no such file',
    });
    expect(compacted).toContainEqual({ role: 'user', content: 'npm test failed' });
  });

  it('changes nothing when compaction is off', async () => {
    const messages = conversation(10);
    expect(await runCompactionStep(stepSettings(null), messages, 11)).toBeUndefined();
    expect(await fixture.types()).toEqual([]);
  });
});

/** `message` with its tool call ids prefixed by `prefix`. */
function renamed(message: ModelMessage, prefix: string): ModelMessage {
  return JSON.parse(JSON.stringify(message).replaceAll('"call_', `"${prefix}_call_`)) as ModelMessage;
}

describe('the loop with compaction', () => {
  /** `read {n}` answers 4,000 characters. */
  const readTool: AnyToolDefinition = {
    name: 'read',
    description: 'reads part n',
    input: z.object({ n: z.number() }),
    async run(input: { n: number }) {
      return { output: outputOf(input.n), isError: false };
    },
  };
  const STEPS = 14;
  const answers = () => [
    ...Array.from({ length: STEPS }, (_, index) => ({
      text: `reading part ${index + 1}`,
      toolCalls: [toolCall(`call_${index + 1}`, 'read', { n: index + 1 })],
    })),
    { text: 'done' },
  ];
  const COMPACTION = { triggerTokens: 8000, keepRecentTurns: 3 };

  function settingsOf(
    on: LoopFixture,
    model: RecordingModel,
    overrides: Partial<AgentLoopSettings> = {},
  ): AgentLoopSettings {
    return {
      taskId: on.taskId,
      system: SYSTEM,
      prompt: 'fix it',
      model,
      priceTable: loadPriceTable(),
      tools: [readTool],
      toolContext: recordingToolContext(on.dir),
      decider: recordingDecider(),
      journal: on.journal,
      guard: on.guard,
      counterfactualKey: 'anthropic:claude-opus-4-7',
      limits: { maxSteps: 40, maxWallSeconds: 60 },
      maxOutputTokens: 1000,
      toolOutputChars: 10_000,
      compaction: COMPACTION,
      ...overrides,
    };
  }

  /** Every request's conversation as the model received it. */
  const sent = (model: RecordingModel) => model.requests.map((request) => request.messages);

  it('compacts in a few large blocks, keeping the prefix byte-stable between them', async () => {
    const model = new RecordingModel('small', answers());
    expect(await runAgentLoop(settingsOf(fixture, model))).toMatchObject({ stopReason: 'finished' });
    const events = await fixture.events('context-compacted');
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.length).toBeLessThanOrEqual(4);
    for (const event of events) expect(event.tokensBefore).toBeGreaterThanOrEqual(COMPACTION.triggerTokens);
    // Each call's conversation starts with the whole previous one, except right after a compaction.
    const requests = sent(model);
    const compactedAt = new Set(events.map((event) => event.step));
    for (let index = 1; index < requests.length; index += 1) {
      const previous = JSON.stringify(requests[index - 1]).slice(0, -1);
      expect(JSON.stringify(requests[index]).startsWith(previous)).toBe(!compactedAt.has(index + 1));
    }
    // Each compaction comes right before the model call it names.
    const requestsAfter = (await fixture.events('model-request')).filter((request) =>
      events.some((event) => event.seq + 1 === request.seq),
    );
    expect(requestsAfter.map((request) => request.step)).toEqual(events.map((event) => event.step));
  });

  it('sends exactly the same messages when compaction is off as without the setting', async () => {
    const off = new RecordingModel('small', answers());
    await runAgentLoop(settingsOf(fixture, off, { compaction: null }));
    const other = await openLoopFixture({ taskUsd: null });
    try {
      const absent = new RecordingModel('small', answers());
      await runAgentLoop(settingsOf(other, absent, { compaction: undefined }));
      expect(sent(off)).toEqual(sent(absent));
      expect(await fixture.events('context-compacted')).toEqual([]);
      // Nothing was dropped: the last call saw every output whole.
      expect(JSON.stringify(sent(off).at(-1))).toContain(outputOf(1));
    } finally {
      await other.close();
    }
  });

  it.each([
    ['before a compaction is journaled', 'max-steps'],
    ['after a compaction, before its model call answered', 'model-error'],
  ] as const)('a task interrupted %s resumes sending what the uninterrupted one sent', async (_when, cut) => {
    const whole = new RecordingModel('small', answers());
    await runAgentLoop(settingsOf(fixture, whole));
    const expected = sent(whole);
    const compactedAt = (await fixture.events('context-compacted')).map((event) => event.step);
    for (const step of compactedAt) {
      const interrupted = await openLoopFixture({ taskUsd: null });
      try {
        await interrupted.journal.append(interrupted.taskId, 'task-start', {
          prompt: 'fix it',
          repo: interrupted.dir,
          baseCommit: '0'.repeat(40),
          model: 'small',
          requestedBy: 'test',
          agent: 'coder',
          team: 'default',
          createBranch: false,
          limits: {},
        });
        // Stop after `step - 1` calls (before the compaction), or fail the call the compaction preceded.
        const first = new RecordingModel('small', [
          ...answers().slice(0, step - 1),
          ...(cut === 'model-error' ? [new Error('connection reset')] : []),
        ]);
        const stopped = await runAgentLoop(
          settingsOf(
            interrupted,
            first,
            cut === 'max-steps' ? { limits: { maxSteps: step - 1, maxWallSeconds: 60 } } : {},
          ),
        );
        expect(stopped.stopReason).toBe(cut);
        const journaled = (await interrupted.events('context-compacted')).map((event) => event.step);
        expect(journaled.includes(step)).toBe(cut === 'model-error');
        const resume = replayJournal(await interrupted.journal.events(interrupted.taskId));
        const rest = new RecordingModel('small', answers().slice(step - 1));
        expect(await runAgentLoop(settingsOf(interrupted, rest, { resume }))).toMatchObject({
          stopReason: 'finished',
        });
        expect([...sent(first).slice(0, step - 1), ...sent(rest)]).toEqual(expected);
      } finally {
        await interrupted.close();
      }
    }
  });
});
