import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../spec/journal-events.ts';
import { taskStatusOf, verificationOf } from './task-verification.ts';

let seq = 0;
const event = (type: string, fields: Record<string, unknown> = {}): JournalEvent =>
  ({
    taskId: 't1',
    seq: ++seq,
    type,
    at: new Date(0).toISOString(),
    prevHash: '0'.repeat(64),
    hash: '0'.repeat(64),
    ...fields,
  }) as JournalEvent;

describe('task verification', () => {
  it('is the result of the last check the task ran, none without one', () => {
    expect(verificationOf([event('task-start'), event('model-response')])).toBe('none');
    expect(
      verificationOf([
        event('check', { passed: false }),
        event('route-decision'),
        event('check', { passed: true }),
      ]),
    ).toBe('passed');
    expect(verificationOf([event('check', { passed: true }), event('check', { passed: false })])).toBe(
      'failed',
    );
    // Anything but an explicit pass is not a pass.
    expect(verificationOf([event('check', { passed: 'yes' })])).toBe('failed');
  });

  it("never calls the model's word alone a success", () => {
    expect(taskStatusOf('finished', 'none', true)).toBe('unverified');
    expect(taskStatusOf('finished', 'none', false)).toBe('unverified');
    expect(taskStatusOf('finished', 'passed', true)).toBe('succeeded');
    expect(taskStatusOf('finished', 'passed', undefined)).toBe('succeeded');
  });

  it('calls a task that changed nothing and whose check passes on the base commit already done, not a fix', () => {
    expect(taskStatusOf('finished', 'passed', false)).toBe('already-done');
  });

  it('keeps the status of every other stop reason', () => {
    expect(taskStatusOf('check-failed', 'failed', true)).toBe('failed');
    expect(taskStatusOf('budget', 'passed', true)).toBe('stopped');
    expect(taskStatusOf('already-done', 'none', false)).toBe('already-done');
    expect(taskStatusOf('awaiting-approval', 'none', undefined)).toBe('awaiting_approval');
  });
});
