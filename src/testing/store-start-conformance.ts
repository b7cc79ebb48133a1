import type { StoreConformanceOptions, StoreUnderTest } from './store-conformance.ts';
import { eventOf, newTask } from './store-conformance.ts';

const GENESIS = '0'.repeat(64);

/**
 * Registers the suite of a task's start every `Store` must pass: `createTask` with its first event
 * writes the row, the event and the head together; a first event that is not the task's event 1 is
 * refused and leaves no row behind. Await it at the top level of a test file, beside
 * `runStoreConformance`, with the same options.
 */
export async function runStoreStartConformance(options: StoreConformanceOptions): Promise<void> {
  const { afterEach, beforeEach, describe, expect, it } = await import('vitest');
  const title = `${options.name ?? 'store conformance'}: a task's start`;
  if (options.skipReason) {
    describe.skip(`${title} (skipped: ${options.skipReason})`, () => {
      it('runs the conformance suite', () => {});
    });
    return;
  }
  describe(title, () => {
    let underTest: StoreUnderTest;
    beforeEach(async () => {
      underTest = await options.open();
    }, options.timeoutMs ?? 30_000);
    afterEach(async () => {
      await underTest.store.close();
      await underTest.cleanup?.();
    });

    it('writes a task, its first event and its head in one call', async () => {
      const first = { ...eventOf('t-start', 1, GENESIS), type: 'task-start' } as ReturnType<typeof eventOf>;
      const task = await underTest.store.createTask(newTask('t-start'), first);
      expect(task).toMatchObject({ id: 't-start', status: 'running', headSeq: 1, headHash: first.hash });
      expect(await underTest.store.listEvents('t-start')).toEqual([first]);
    });

    it('refuses a first event that is not the task’s event 1, and creates nothing', async () => {
      const wrong = eventOf('t-start', 2, GENESIS);
      await expect(underTest.store.createTask(newTask('t-start'), wrong)).rejects.toMatchObject({
        code: 'journal-corrupt',
      });
      expect(await underTest.store.getTask('t-start')).toBeUndefined();
      expect(await underTest.store.listEvents('t-start')).toEqual([]);
    });
  });
}
