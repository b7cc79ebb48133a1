import type { PullOutcomeRow, PullOutcomeStore } from '../spec/pull-outcome-store.ts';
import { describeEngine, type EngineSuiteOptions, manualClock } from './engine-stores.ts';
import { newTask } from './store-conformance.ts';

const REPO = 'octo/shop';
const MERGE = 'a'.repeat(40);

/**
 * Registers the Vitest suites every `OutcomeStore`, `PullOutcomeStore` and `BatchBook` must pass. Task
 * outcomes: recorded with their day, replaced by a later record, listed oldest first since a time. Pull
 * outcomes: opened once per task; change requests and human commits counted on an open one only; a close
 * judged first pass, after changes or rejected, once; a revert applied to accepted ones only; listed
 * oldest first since a time with the agent of the task's outcome and the task's creation; and, through
 * two connections at once, exactly one of racing closes applied. Batches: the one a request waits on,
 * replaced by a new submission, forgotten once ended. Await it at the top level of a test file; it
 * imports Vitest lazily.
 */
export async function runOutcomeStoreConformance(options: EngineSuiteOptions): Promise<void> {
  const { expect, it } = await import('vitest');
  await describeEngine(options, 'outcome store conformance', (stores, timeout) => {
    it('records task outcomes, replaces one recorded again, and lists them since a time', {
      timeout,
    }, async () => {
      const outcomes = stores().outcomes();
      expect(await outcomes.list()).toEqual([]);
      const first = {
        taskId: 't1',
        outcome: 'failed' as const,
        agent: 'fixer',
        team: 'web',
        earlyExit: false,
      };
      await outcomes.record(first, new Date('2026-01-01T23:59:59.000Z'));
      await outcomes.record(
        { taskId: 't2', outcome: 'not-actionable', agent: null, team: null, earlyExit: true },
        new Date('2026-01-02T00:00:01.000Z'),
      );
      expect(await outcomes.list()).toEqual([
        { ...first, day: '2026-01-01', at: '2026-01-01T23:59:59.000Z' },
        {
          taskId: 't2',
          outcome: 'not-actionable',
          agent: null,
          team: null,
          earlyExit: true,
          day: '2026-01-02',
          at: '2026-01-02T00:00:01.000Z',
        },
      ]);
      // Booked again (a resumed task that ended otherwise): the later record replaces the first.
      await outcomes.record({ ...first, outcome: 'succeeded' }, new Date('2026-01-03T00:00:00.000Z'));
      const listed = await outcomes.list({ sinceAt: '2026-01-02T00:00:01.000Z' });
      expect(listed.map((row) => [row.taskId, row.outcome, row.day])).toEqual([
        ['t2', 'not-actionable', '2026-01-02'],
        ['t1', 'succeeded', '2026-01-03'],
      ]);
      expect(await outcomes.list({ sinceAt: '2026-01-04T00:00:00.000Z' })).toEqual([]);
      expect(await (await stores().openAgain()).outcomes().list()).toHaveLength(2);
    });

    const openPulls = async (pulls: PullOutcomeStore, taskIds: readonly string[]) => {
      for (const [index, taskId] of taskIds.entries()) {
        await pulls.opened({
          taskId,
          repository: REPO,
          number: index + 1,
          url: `https://github.com/${REPO}/pull/${index + 1}`,
          at: `2026-01-01T10:0${index}:00.000Z`,
        });
      }
    };

    it('records a pull request once per task, with its task’s agent and start', { timeout }, async () => {
      const { store } = stores();
      const pulls = stores().pullOutcomes();
      expect(await pulls.get('t-1')).toBeUndefined();
      await openPulls(pulls, ['t-1', 't-2']);
      // The same task again (a delivery retried) changes nothing.
      await pulls.opened({
        taskId: 't-1',
        repository: REPO,
        number: 9,
        url: 'other',
        at: '2026-02-01T00:00:00Z',
      });
      await store.createTask(newTask('t-1', '2026-01-01T09:00:00.000Z'));
      await stores()
        .outcomes()
        .record(
          { taskId: 't-1', outcome: 'succeeded', agent: 'fixer', team: null, earlyExit: false },
          new Date('2026-01-01T09:30:00.000Z'),
        );
      const first: PullOutcomeRow = {
        taskId: 't-1',
        repository: REPO,
        number: 1,
        url: `https://github.com/${REPO}/pull/1`,
        openedAt: '2026-01-01T10:00:00.000Z',
        state: 'open',
        changesRequested: 0,
        humanCommits: 0,
        mergeCommit: null,
        closedAt: null,
        revertedAt: null,
        agent: 'fixer',
        taskCreatedAt: '2026-01-01T09:00:00.000Z',
      };
      expect(await pulls.get('t-1')).toEqual(first);
      expect(await pulls.list()).toEqual([
        first,
        {
          ...first,
          taskId: 't-2',
          number: 2,
          url: `https://github.com/${REPO}/pull/2`,
          openedAt: '2026-01-01T10:01:00.000Z',
          agent: null,
          taskCreatedAt: null,
        },
      ]);
      expect((await pulls.list({ sinceAt: '2026-01-01T10:00:30.000Z' })).map((row) => row.taskId)).toEqual([
        't-2',
      ]);
      expect(await pulls.list({ sinceAt: undefined })).toHaveLength(2);
    });

    it('judges each close once: first pass, after changes, rejected', { timeout }, async () => {
      const pulls = stores().pullOutcomes();
      await openPulls(pulls, ['t-1', 't-2', 't-3', 't-4']);
      const merged = (mergeCommit: string) => ({ merged: true, mergeCommit, at: '2026-01-01T12:00:00.000Z' });
      expect(await pulls.closed(REPO, 't-1', merged(MERGE))).toBe('accepted-first-pass');
      expect(await pulls.changesRequested(REPO, 't-2')).toBe(true);
      expect(await pulls.changesRequested(REPO, 't-2')).toBe(true);
      expect(await pulls.closed(REPO, 't-2', merged('b'.repeat(40)))).toBe('accepted-after-changes');
      expect(await pulls.humanCommits(REPO, 't-3', 3)).toBe(true);
      expect(await pulls.closed(REPO, 't-3', merged('c'.repeat(40)))).toBe('accepted-after-changes');
      expect(
        await pulls.closed(REPO, 't-4', { merged: false, mergeCommit: null, at: '2026-01-01T13:00:00Z' }),
      ).toBe('rejected');
      // Late or repeated events change nothing once a pull request is closed; nor do other repositories'.
      expect(await pulls.closed(REPO, 't-4', merged('d'.repeat(40)))).toBeUndefined();
      expect(await pulls.changesRequested(REPO, 't-1')).toBe(false);
      expect(await pulls.humanCommits(REPO, 't-1', 1)).toBe(false);
      expect(await pulls.changesRequested('octo/other', 't-1')).toBe(false);
      expect(await pulls.closed(REPO, 't-missing', merged(MERGE))).toBeUndefined();
      expect(await pulls.get('t-2')).toMatchObject({
        state: 'accepted-after-changes',
        changesRequested: 2,
        mergeCommit: 'b'.repeat(40),
        closedAt: '2026-01-01T12:00:00.000Z',
      });
      expect(await pulls.get('t-3')).toMatchObject({ humanCommits: 3, changesRequested: 0 });
      expect(await pulls.get('t-4')).toMatchObject({ state: 'rejected', mergeCommit: null });
    });

    it('reverts accepted pull requests by their merge commits only', { timeout }, async () => {
      const pulls = stores().pullOutcomes();
      await openPulls(pulls, ['t-1', 't-2', 't-3']);
      await pulls.closed(REPO, 't-1', { merged: true, mergeCommit: MERGE, at: '2026-01-01T12:00:00.000Z' });
      await pulls.closed(REPO, 't-2', {
        merged: true,
        mergeCommit: 'b'.repeat(40),
        at: '2026-01-01T12:00:00Z',
      });
      expect(await pulls.reverted(REPO, [], '2026-01-02T00:00:00.000Z')).toEqual([]);
      expect(await pulls.reverted('octo/other', [MERGE], '2026-01-02T00:00:00.000Z')).toEqual([]);
      expect(
        (
          await pulls.reverted(REPO, [MERGE, 'b'.repeat(40), 'f'.repeat(40)], '2026-01-02T00:00:00.000Z')
        ).sort(),
      ).toEqual(['t-1', 't-2']);
      expect(await pulls.get('t-1')).toMatchObject({
        state: 'reverted',
        revertedAt: '2026-01-02T00:00:00.000Z',
      });
      // Reverted once: a second revert of the same commit changes nothing; an open one is never reverted.
      expect(await pulls.reverted(REPO, [MERGE], '2026-01-03T00:00:00.000Z')).toEqual([]);
      expect((await pulls.get('t-1'))?.revertedAt).toBe('2026-01-02T00:00:00.000Z');
      expect((await pulls.get('t-3'))?.state).toBe('open');
    });

    it('applies exactly one of racing closes on two connections', { timeout }, async () => {
      const pulls = stores().pullOutcomes();
      const other = (await stores().openAgain()).pullOutcomes();
      await openPulls(pulls, ['t-1']);
      const states = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          (index % 2 === 0 ? pulls : other).closed(REPO, 't-1', {
            merged: index % 3 !== 0,
            mergeCommit: index % 3 !== 0 ? `${index}`.padStart(40, '0') : null,
            at: `2026-01-01T12:00:0${index}.000Z`,
          }),
        ),
      );
      const applied = states.flatMap((state, index) => (state === undefined ? [] : [index]));
      expect(applied).toHaveLength(1);
      expect((await other.get('t-1'))?.closedAt).toBe(`2026-01-01T12:00:0${applied[0]}.000Z`);
    });

    it('remembers the batch a request waits on until it ends', { timeout }, async () => {
      const clock = manualClock();
      const batches = stores().batches({ now: clock.now });
      expect(await batches.waiting('h1')).toBeUndefined();
      await batches.submitted({ requestHash: 'h1', vendor: 'anthropic', batchId: 'b-1' });
      expect(await batches.waiting('h1')).toEqual({ requestHash: 'h1', vendor: 'anthropic', batchId: 'b-1' });
      // Submitted again (the first batch expired at the vendor): the new one is waited on.
      await batches.submitted({ requestHash: 'h1', vendor: 'openai', batchId: 'b-2' });
      const again = (await stores().openAgain()).batches({ now: clock.now });
      expect(await again.waiting('h1')).toEqual({ requestHash: 'h1', vendor: 'openai', batchId: 'b-2' });
      await batches.ended('h1');
      expect(await again.waiting('h1')).toBeUndefined();
      await batches.ended('h-unknown');
      await batches.submitted({ requestHash: 'h1', vendor: 'anthropic', batchId: 'b-3' });
      expect((await batches.waiting('h1'))?.batchId).toBe('b-3');
    });
  });
}
