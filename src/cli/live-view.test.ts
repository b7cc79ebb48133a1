import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../spec/journal-events.ts';
import { createLiveView } from './live-view.ts';

const event = (type: string, fields: Record<string, unknown>): JournalEvent =>
  ({ taskId: 't', seq: 1, type, at: '', prevHash: '', hash: '', ...fields }) as JournalEvent;

describe('live view', () => {
  it('shows each step with its spend, and each tool call with its decision and outcome', () => {
    const view = createLiveView();
    const lines = [
      event('model-response', { step: 2, costUsd: 0.0169, spentUsd: 0.0326, text: 'Run the tests.' }),
      event('decision', { toolCallId: 'c1', tool: 'shell', decision: 'allow', reasons: [] }),
      event('tool-call-start', { toolCallId: 'c1', tool: 'shell', input: { command: 'npm test' } }),
      event('tool-call-end', {
        toolCallId: 'c1',
        tool: 'shell',
        isError: true,
        exitCode: 1,
        durationMs: 641.2,
      }),
      event('decision', {
        toolCallId: 'c2',
        tool: 'write_file',
        decision: 'deny',
        reasons: ['writes under .git/'],
      }),
    ]
      .map(view)
      .filter(Boolean);
    expect(lines).toEqual([
      'step 2  $0.0169 (total $0.0326)  “Run the tests.”\n',
      '  shell npm test  [allow] failed exit 1  641 ms\n',
      '  write_file: deny — writes under .git/\n',
    ]);
  });

  it('shows a retried model call and why a model was given up on', () => {
    const view = createLiveView();
    const retry = { model: 'openai:gpt-5.1', tier: null, attempt: 2 };
    expect(view(event('route-decision', { ...retry, kind: 'retry', waitMs: 500, reason: 'HTTP 429' }))).toBe(
      '  retrying openai:gpt-5.1 in 500 ms: HTTP 429\n',
    );
    expect(
      view(event('route-decision', { ...retry, kind: 'give-up', waitMs: 0, reason: 'HTTP 429 3 times' })),
    ).toBe('  gave up on openai:gpt-5.1: HTTP 429 3 times\n');
    expect(
      view(event('route-decision', { ...retry, kind: 'pick', waitMs: 0, reason: 'first' })),
    ).toBeUndefined();
  });

  it('says up front which check will verify the result, or that none will, and how each check went', () => {
    const view = createLiveView();
    expect(
      view(event('workspace-ready', { check: { command: 'npm test', source: 'package.json scripts.test' } })),
    ).toBe('check: npm test (package.json scripts.test)\n');
    expect(view(event('workspace-ready', { check: null }))).toMatch(/^check: none .* will be unverified\n$/);
    expect(view(event('check', { check: 'npm test', passed: false, summary: 'exit 1' }))).toBe(
      '  check npm test failed (exit 1)\n',
    );
    expect(view(event('check', { check: 'npm test', passed: true, summary: 'exit 0' }))).toBe(
      '  check npm test passed\n',
    );
  });
});
