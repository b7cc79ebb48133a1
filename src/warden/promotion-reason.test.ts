import { describe, expect, it } from 'vitest';
import { UserError } from '../spec/errors.ts';
import type { JournalEvent } from '../spec/journal-events.ts';
import type { Task } from '../spec/types.ts';
import { contextOf } from './forge-context.ts';
import { operatorText, promotionReason } from './promotion-reason.ts';

const task = (fields: Partial<Task>): Task => ({
  id: 't20260101-000000-abcd',
  prompt: 'fix it',
  repo: '/repo',
  baseCommit: 'a'.repeat(40),
  model: 'scripted:x.json',
  requestedBy: 'me',
  status: 'succeeded',
  stopReason: 'finished',
  branch: null,
  steps: 1,
  costUsd: 0,
  createdAt: '2026-01-01T00:00:00Z',
  endedAt: '2026-01-01T00:01:00Z',
  headSeq: 1,
  headHash: '0'.repeat(64),
  owner: null,
  resumableUntil: null,
  leaseUntil: null,
  ...fields,
});
const check = (passed: boolean) =>
  ({ type: 'check', step: 1, check: 'npm test', passed, summary: '', output: '' }) as unknown as JournalEvent;
const pull = (
  state: 'open' | 'accepted-first-pass' | 'accepted-after-changes' | 'rejected' | 'reverted',
  humanCommits = 0,
) => ({
  state,
  humanCommits,
  mergeCommit: null,
});

describe('promotionReason', () => {
  it('takes failed tasks, and tasks that stopped or ended unverified after their check failed', () => {
    expect(
      promotionReason(task({ status: 'failed', stopReason: 'check-failed' }), [], undefined).reason,
    ).toBe('failed');
    expect(
      promotionReason(task({ status: 'stopped', stopReason: 'max-steps' }), [check(false)], undefined).reason,
    ).toBe('check-failed');
    expect(
      promotionReason(task({ status: 'unverified', stopReason: 'check-failed' }), [], undefined).reason,
    ).toBe('check-failed');
  });

  it('takes pull requests rejected, reverted, or merged after a human commit, whatever the task ended', () => {
    expect(promotionReason(task({}), [], pull('rejected')).reason).toBe('rejected');
    expect(promotionReason(task({}), [], pull('reverted')).reason).toBe('reverted');
    expect(promotionReason(task({}), [], pull('accepted-after-changes', 2)).explanation).toMatch(
      /2 human commit/,
    );
  });

  it('refuses the rest, saying why and what qualifies', () => {
    const refusal = (fields: Partial<Task>, events: JournalEvent[], fate?: ReturnType<typeof pull>) => {
      try {
        promotionReason(task(fields), events, fate);
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        expect((error as UserError).code).toBe('usage');
        expect((error as UserError).hint).toMatch(/a task that failed/);
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refusal({}, [], pull('accepted-first-pass'))).toMatch(/accepted first pass/);
    expect(refusal({}, [], pull('accepted-after-changes'))).toMatch(/no human commit/);
    expect(refusal({}, [], pull('open'))).toMatch(/still open/);
    expect(refusal({ status: 'stopped', stopReason: 'budget' }, [check(true)])).toMatch(
      /stopped without a failed check/,
    );
    expect(refusal({ status: 'running', stopReason: null }, [])).toMatch(/has not ended \(running\)/);
    expect(refusal({ status: 'already-done', stopReason: 'already-done' }, [])).toMatch(/ended already-done/);
  });
});

describe('operatorText', () => {
  const logs = {
    pullDiff: async () => '',
    failedJobLogs: async () => [{ job: 'test', log: 'boom\n\nThe log of the failed job "x"' }],
  };

  it("strips the forge context a triggered task's text was given, as contextOf writes it", async () => {
    const ci = 'CI (test) failed on branch main. Reproduce the failure, find its cause and fix it.';
    const withLogs = `${ci}\n\n${await contextOf(logs, 'o/r', { kind: 'run-logs', runId: 1 })}`;
    expect(operatorText(withLogs, true)).toBe(ci);
    const none = { ...logs, failedJobLogs: async () => [] };
    expect(
      operatorText(`${ci}\n\n${await contextOf(none, 'o/r', { kind: 'run-logs', runId: 1 })}`, true),
    ).toBe(ci);
    const failing = { ...logs, failedJobLogs: async () => Promise.reject(new Error('gone')) };
    expect(
      operatorText(`${ci}\n\n${await contextOf(failing, 'o/r', { kind: 'run-logs', runId: 1 })}`, true),
    ).toBe(ci);
    const review =
      "Review pull request #3: tidy\n\nThe pull request's diff:\n\n```diff\nsaid in the body\n```";
    const diff = { ...logs, pullDiff: async () => 'diff --git a/x b/x\n+y\n' };
    const withDiff = `${review}\n\n${await contextOf(diff, 'o/r', { kind: 'diff', number: 3 })}`;
    expect(operatorText(withDiff, true)).toBe(review);
  });

  it('keeps the text of a task a person started as it is', () => {
    expect(operatorText("fix it\n\nThe pull request's diff:\n\n```diff\n", false)).toBe(
      "fix it\n\nThe pull request's diff:\n\n```diff\n",
    );
  });
});
