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
import { AgentSchema } from '../config/agents-schema.ts';
import { loadPriceTable } from '../model/index.ts';
import { type AgentLoopSettings, runAgentLoop } from './agent-loop.ts';
import { replayJournal } from './replay-journal.ts';
import type { AnyToolDefinition } from './tools/tool.ts';

// The default compaction on a long task: a high watermark, a deep drop, so compactions are rare and
// each re-sends little uncached.

const DEFAULTS = AgentSchema.shape.compaction.parse(undefined)!;
const TOOL_OUTPUT_CHARS = AgentSchema.shape.toolOutputChars.parse(undefined);
const STEPS = 30;

/** A piece of a large file: as many characters as the agent shows by default, different per call. */
const pieceOf = (n: number) => `${n}:`.padEnd(TOOL_OUTPUT_CHARS, String(n % 10));

const readTool: AnyToolDefinition = {
  name: 'read',
  description: 'reads piece n of a large file',
  input: z.object({ n: z.number() }),
  async run(input: { n: number }) {
    return { output: pieceOf(input.n), isError: false };
  },
};

/** 30 reads, then an answer. */
const answers = () => [
  ...Array.from({ length: STEPS }, (_, index) => ({
    text: `reading piece ${index + 1}`,
    toolCalls: [toolCall(`call_${index + 1}`, 'read', { n: index + 1 })],
  })),
  { text: 'done' },
];

let fixture: LoopFixture;
beforeEach(async () => {
  fixture = await openLoopFixture({ taskUsd: null });
});
afterEach(() => fixture.close());

function settingsOf(on: LoopFixture, model: RecordingModel, overrides: Partial<AgentLoopSettings> = {}) {
  return {
    taskId: on.taskId,
    system: 'be careful',
    prompt: 'find the bug',
    model,
    priceTable: loadPriceTable(),
    tools: [readTool],
    toolContext: recordingToolContext(on.dir),
    decider: recordingDecider(),
    journal: on.journal,
    guard: on.guard,
    counterfactualKey: 'anthropic:claude-opus-4-7',
    limits: { maxSteps: STEPS + 1, maxWallSeconds: 60 },
    maxOutputTokens: 1000,
    toolOutputChars: TOOL_OUTPUT_CHARS,
    compaction: DEFAULTS,
    ...overrides,
  } satisfies AgentLoopSettings;
}

/** Each request's conversation as the bytes the model was sent. */
const sentBytes = (model: RecordingModel) =>
  model.requests.map((request) => JSON.stringify(request.messages));

/** Characters two serialized conversations share from their start. */
function commonPrefix(left: string, right: string): number {
  let index = 0;
  while (index < left.length && index < right.length && left[index] === right[index]) index += 1;
  return index;
}

describe('the default compaction on a 30-step task reading large files', () => {
  it('compacts once, at the high watermark and far below it, not at every step', async () => {
    const model = new RecordingModel('small', answers());
    expect(await runAgentLoop(settingsOf(fixture, model))).toMatchObject({ stopReason: 'finished' });
    const events = await fixture.events('context-compacted');
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event!.tokensBefore).toBeGreaterThanOrEqual(DEFAULTS.triggerTokens);
    expect(event!.tokensAfter).toBeLessThanOrEqual(DEFAULTS.triggerTokens / 4);
    // Every output but the kept turns' was dropped.
    expect(event!.dropped).toEqual(
      Array.from({ length: event!.step - 1 - DEFAULTS.keepRecentTurns }, (_, index) => `call_${index + 1}`),
    );
    // The last call is far smaller than the same task's without compaction.
    const off = new RecordingModel('small', answers());
    const other = await openLoopFixture({ taskUsd: null });
    try {
      await runAgentLoop(settingsOf(other, off, { compaction: null }));
    } finally {
      await other.close();
    }
    expect(sentBytes(model).at(-1)!.length).toBeLessThan(sentBytes(off).at(-1)!.length / 2);
  });

  it('keeps each call a byte-stable extension of the previous one, except the compacted call, which re-sends only its stubs and kept turns', async () => {
    const model = new RecordingModel('small', answers());
    await runAgentLoop(settingsOf(fixture, model));
    const [event] = await fixture.events('context-compacted');
    const requests = sentBytes(model);
    const first = (request: number) => (model.requests[request]!.messages as ModelMessage[])[0];
    for (let index = 1; index < requests.length; index += 1) {
      expect(first(index)).toEqual(first(0));
      const previous = requests[index - 1]!.slice(0, -1);
      expect(requests[index]!.startsWith(previous)).toBe(index + 1 !== event!.step);
    }
    // What the compacted call re-sends after the unchanged prefix: the stubs, the decisions and the
    // kept turns, less than one output more than the kept turns' outputs.
    const compacted = requests[event!.step - 1]!;
    const resent = compacted.length - commonPrefix(requests[event!.step - 2]!, compacted);
    expect(resent).toBeGreaterThan(DEFAULTS.keepRecentTurns * TOOL_OUTPUT_CHARS);
    expect(resent).toBeLessThan((DEFAULTS.keepRecentTurns + 1) * TOOL_OUTPUT_CHARS);
  });

  it('resumed right after its compaction, sends the same bytes as the uninterrupted task', async () => {
    const whole = new RecordingModel('small', answers());
    await runAgentLoop(settingsOf(fixture, whole));
    const [event] = await fixture.events('context-compacted');
    const step = event!.step;
    const interrupted = await openLoopFixture({ taskUsd: null });
    try {
      await interrupted.journal.append(interrupted.taskId, 'task-start', {
        prompt: 'find the bug',
        repo: interrupted.dir,
        baseCommit: '0'.repeat(40),
        model: 'small',
        requestedBy: 'test',
        agent: 'coder',
        team: 'default',
        createBranch: false,
        limits: {},
      });
      // The call the compaction preceded fails: the compaction is journaled, its call is not answered.
      const first = new RecordingModel('small', [
        ...answers().slice(0, step - 1),
        new Error('connection reset'),
      ]);
      expect(await runAgentLoop(settingsOf(interrupted, first))).toMatchObject({ stopReason: 'model-error' });
      expect((await interrupted.events('context-compacted')).map((journaled) => journaled.step)).toEqual([
        step,
      ]);
      const resume = replayJournal(await interrupted.journal.events(interrupted.taskId));
      const rest = new RecordingModel('small', answers().slice(step - 1));
      expect(await runAgentLoop(settingsOf(interrupted, rest, { resume }))).toMatchObject({
        stopReason: 'finished',
      });
      expect([...sentBytes(first).slice(0, step - 1), ...sentBytes(rest)]).toEqual(sentBytes(whole));
      // The resumed task did not compact again.
      expect(await interrupted.events('context-compacted')).toHaveLength(1);
    } finally {
      await interrupted.close();
    }
  });
});
