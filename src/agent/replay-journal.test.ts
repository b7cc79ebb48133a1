import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../spec/journal-events.ts';
import { toolResultStub } from './internal/compact-conversation.ts';
import { replayJournal } from './replay-journal.ts';

let seq = 0;
const event = (type: string, fields: Record<string, unknown>): JournalEvent =>
  ({ taskId: 't', seq: ++seq, type, at: '', prevHash: '', hash: '', ...fields }) as JournalEvent;
const usage = { input: 100, output: 10, cacheRead: 5, cacheWrite: 0 };

describe('replayJournal', () => {
  const events = [
    event('task-start', { prompt: 'fix the bug' }),
    event('model-request', { step: 1 }),
    event('model-response', {
      step: 1,
      text: 'looking',
      toolCalls: [{ id: 'call_1', name: 'list_files', input: {} }],
      usage,
      costUsd: 0.01,
    }),
    event('decision', { toolCallId: 'call_1', decision: 'allow' }),
    event('tool-call-start', { toolCallId: 'call_1', tool: 'list_files', input: {} }),
    event('tool-call-end', { toolCallId: 'call_1', tool: 'list_files', output: 'a.ts', isError: false }),
    event('model-request', { step: 2 }),
    event('model-response', {
      step: 2,
      text: '',
      toolCalls: [
        { id: 'call_2', name: 'shell', input: { command: 'npm test' } },
        { id: 'call_3', name: 'shell', input: { command: 'git push' } },
        { id: 'call_4', name: 'read_file', input: { path: 'a.ts' } },
      ],
      usage,
      costUsd: 0.02,
    }),
    event('tool-call-end', { toolCallId: 'call_2', tool: 'shell', output: 'exit code 1', isError: true }),
    event('decision', { toolCallId: 'call_3', decision: 'ask' }),
  ];

  it('rebuilds the conversation the model saw, and what was spent, without calling anything', () => {
    const state = replayJournal(events);
    expect(state.steps).toBe(2);
    expect(state.spentUsd).toBeCloseTo(0.03, 10);
    expect(state.spentTokens).toBe(230);
    expect(state.messages).toEqual([
      { role: 'user', content: 'fix the bug' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'looking' },
          { type: 'tool-call', toolCallId: 'call_1', toolName: 'list_files', input: {} },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'call_1',
            toolName: 'list_files',
            output: { type: 'text', value: 'a.ts' },
          },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'tool-call', toolCallId: 'call_2', toolName: 'shell', input: { command: 'npm test' } },
          { type: 'tool-call', toolCallId: 'call_3', toolName: 'shell', input: { command: 'git push' } },
          { type: 'tool-call', toolCallId: 'call_4', toolName: 'read_file', input: { path: 'a.ts' } },
        ],
      },
    ]);
  });

  it('keeps the calls of the last step that have not run, in order, and the results of those that have', () => {
    const state = replayJournal(events);
    expect(state.pendingCalls.map((call) => call.id)).toEqual(['call_3', 'call_4']);
    expect(state.finishedResults).toEqual([
      {
        type: 'tool-result',
        toolCallId: 'call_2',
        toolName: 'shell',
        output: { type: 'error-text', value: 'exit code 1' },
      },
    ]);
  });

  it('replays a failed check that moved the task up a tier, so the task goes on at that tier', () => {
    const state = replayJournal([
      event('task-start', { prompt: 'make the check pass' }),
      event('model-response', { step: 1, text: 'looks fine', toolCalls: [], usage, costUsd: 0.01 }),
      event('check', { step: 1, check: 'npm test', passed: false, summary: 'exit 1', output: '1 failing' }),
      event('route-decision', { step: 1, kind: 'escalate', tier: 'mid', reason: 'npm test failed: exit 1' }),
      event('model-response', {
        step: 2,
        text: '',
        toolCalls: [{ id: 'call_9', name: 'shell', input: { command: 'factor 12' } }],
        usage,
        costUsd: 0.02,
      }),
      event('decision', { toolCallId: 'call_9', decision: 'ask' }),
    ]);
    expect(state.escalations).toBe(1);
    expect(state.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(state.messages[2]!.content).toMatch(/^The check `npm test` failed \(exit 1\):\n1 failing\n/);
    expect(state.pendingCalls.map((call) => call.id)).toEqual(['call_9']);
  });

  it('knows the model had finished when only its check came after, and not once a failed check escalated', () => {
    const finished = [
      event('task-start', { prompt: 'fix' }),
      event('model-response', { step: 1, text: 'done', toolCalls: [], usage, costUsd: 0.01 }),
    ];
    expect(replayJournal(finished)).toMatchObject({ modelFinished: true, steps: 1, finalText: 'done' });
    const failed = event('check', {
      step: 1,
      check: 'npm test',
      passed: false,
      summary: 'exit 1',
      output: '',
    });
    expect(replayJournal([...finished, failed]).modelFinished).toBe(true);
    const escalated = event('route-decision', { step: 1, kind: 'escalate', tier: 'mid', reason: 'failed' });
    expect(replayJournal([...finished, failed, escalated]).modelFinished).toBe(false);
    expect(replayJournal(events).modelFinished).toBe(false);
  });

  it('replaces the outputs a compaction dropped by the same stubs, once, and goes on after it', () => {
    const long = 'x'.repeat(2000);
    const state = replayJournal([
      event('task-start', { prompt: 'fix' }),
      event('model-response', {
        step: 1,
        text: '',
        toolCalls: [{ id: 'call_1', name: 'read_file', input: { path: 'a.ts' } }],
        usage,
        costUsd: 0.01,
      }),
      event('tool-call-end', { toolCallId: 'call_1', tool: 'read_file', output: long, isError: false }),
      event('context-compacted', { step: 2, tokensBefore: 900, tokensAfter: 400, dropped: ['call_1'] }),
      event('model-request', { step: 2 }),
      event('model-response', {
        step: 2,
        text: '',
        toolCalls: [{ id: 'call_2', name: 'read_file', input: { path: 'b.ts' } }],
        usage,
        costUsd: 0.01,
      }),
      event('tool-call-end', { toolCallId: 'call_2', tool: 'read_file', output: long, isError: false }),
    ]);
    expect(state.messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
      'tool',
    ]);
    expect(state.messages[2]!.content).toEqual([
      {
        type: 'tool-result',
        toolCallId: 'call_1',
        toolName: 'read_file',
        output: { type: 'text', value: toolResultStub('read_file', 'call_1', { path: 'a.ts' }, 2000, 2) },
      },
    ]);
    expect(state.messages[4]!.content).toMatchObject([{ toolCallId: 'call_2', output: { value: long } }]);
    expect(state.pendingCalls).toEqual([]);
  });

  it('refuses a journal that does not start with the task', () => {
    expect(() => replayJournal(events.slice(1))).toThrow(/task start/);
  });
});
