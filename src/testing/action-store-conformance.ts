import type { ActionRecord, ActionStore, PullRequestStore } from '../spec/actions.ts';
import { describeEngine, type EngineSuiteOptions, manualClock } from './engine-stores.ts';

type Actions = ActionStore & PullRequestStore;
const AT = '2026-01-01T00:00:00.000Z';
const push = (key: string, taskId = 't1', parameters: unknown = { branch: 'warden/t1', force: false }) => ({
  key,
  taskId,
  action: 'forge.push' as const,
  parameters,
});

/**
 * Registers the Vitest suite every `ActionStore & PullRequestStore` must pass: an idempotency key
 * claimed once (a running or succeeded record is returned instead, a failed one may be claimed again),
 * outcomes recorded, records listed by task in start order, kept when the database is opened again; and,
 * through two connections at once, exactly one of racing claimers winning a key (new, or failed before).
 * The local forge's pull requests are numbered per repository (also when opened concurrently through two
 * connections), updated, listed and commented on. Await it at the top level of a test file; it imports
 * Vitest lazily.
 */
export async function runActionStoreConformance(options: EngineSuiteOptions): Promise<void> {
  const { expect, it } = await import('vitest');
  await describeEngine(options, 'action store conformance', (stores, timeout) => {
    let clock: ReturnType<typeof manualClock>;
    let actions: Actions;
    const open = () => {
      clock = manualClock(AT);
      actions = stores().actions({ now: clock.now });
    };
    const running = (key: string, taskId = 't1'): ActionRecord => ({
      ...push(key, taskId),
      status: 'running',
      result: null,
      error: null,
      startedAt: AT,
      endedAt: null,
    });

    it('claims a key once: a running or succeeded record comes back instead', { timeout }, async () => {
      open();
      expect(await actions.get('k1')).toBeUndefined();
      expect(await actions.claim(push('k1'))).toBeUndefined();
      expect(await actions.get('k1')).toEqual(running('k1'));
      // Claimed again while running, with other parameters: the first record, unchanged.
      expect(await actions.claim(push('k1', 't1', { branch: 'other' }))).toEqual(running('k1'));
      clock.advance(2_000);
      const done = await actions.complete('k1', { result: { commit: 'abc', files: [1, 2] } });
      expect(done).toEqual({
        ...running('k1'),
        status: 'succeeded',
        result: { commit: 'abc', files: [1, 2] },
        endedAt: '2026-01-01T00:00:02.000Z',
      });
      expect(await actions.claim(push('k1'))).toEqual(done);
      expect(await actions.get('k1')).toEqual(done);
    });

    it('lets a failed key be claimed again, starting afresh', { timeout }, async () => {
      open();
      await actions.claim(push('k1'));
      clock.advance(1_000);
      const failed = await actions.complete('k1', { error: 'remote refused' });
      expect(failed).toMatchObject({ status: 'failed', error: 'remote refused', result: null });
      expect(failed.endedAt).toBe('2026-01-01T00:00:01.000Z');
      clock.advance(1_000);
      expect(await actions.claim(push('k1', 't1', { branch: 'retry' }))).toBeUndefined();
      expect(await actions.get('k1')).toEqual({
        ...push('k1', 't1', { branch: 'retry' }),
        status: 'running',
        result: null,
        error: null,
        startedAt: '2026-01-01T00:00:02.000Z',
        endedAt: null,
      });
      // A result of null is a result: the action succeeded with nothing to show.
      expect(await actions.complete('k1', { result: null })).toMatchObject({
        status: 'succeeded',
        result: null,
      });
    });

    it('lists a task’s actions in start order, and refuses to complete an unknown key', {
      timeout,
    }, async () => {
      open();
      await actions.claim(push('k-b'));
      await actions.claim(push('k-a'));
      clock.advance(1_000);
      await actions.claim(push('k-0'));
      await actions.claim(push('k-other', 't2'));
      // The same start: by key.
      expect((await actions.list('t1')).map((record) => record.key)).toEqual(['k-a', 'k-b', 'k-0']);
      expect((await actions.list('t2')).map((record) => record.key)).toEqual(['k-other']);
      expect(await actions.list('t3')).toEqual([]);
      await expect(actions.complete('k-missing', { result: 1 })).rejects.toMatchObject({
        code: 'store-failed',
      });
    });

    it('keeps records when the database is opened again', { timeout }, async () => {
      open();
      await actions.claim(push('k1'));
      const done = await actions.complete('k1', { result: { url: 'local://x' } });
      const again = (await stores().openAgain()).actions({ now: clock.now });
      expect(await again.get('k1')).toEqual(done);
      expect(await again.claim(push('k1'))).toEqual(done);
    });

    it('lets exactly one of racing claimers on two connections take a key, new or failed', {
      timeout,
    }, async () => {
      open();
      const other = (await stores().openAgain()).actions({ now: clock.now });
      const race = () =>
        Promise.all(
          Array.from({ length: 12 }, (_, index) =>
            (index % 2 === 0 ? actions : other).claim(push('k1', 't1', { racer: index })),
          ),
        );
      const first = await race();
      expect(first.filter((record) => record === undefined)).toHaveLength(1);
      const winner = await actions.get('k1');
      expect(winner?.status).toBe('running');
      for (const record of first) if (record !== undefined) expect(record).toEqual(winner);

      await other.complete('k1', { error: 'timed out' });
      const retry = await race();
      expect(retry.filter((record) => record === undefined)).toHaveLength(1);
      for (const record of retry) if (record !== undefined) expect(record.status).toBe('running');
      expect((await other.get('k1'))?.status).toBe('running');
    });

    it('numbers pull requests per repository, updates and lists them', { timeout }, async () => {
      open();
      const fields = { head: 'warden/t1', base: 'main', title: 'Fix', body: 'Body' };
      const one = await actions.createPullRequest('acme/web', fields);
      expect(one).toEqual({
        number: 1,
        ...fields,
        state: 'open',
        url: 'local://acme/web/pulls/1',
        reviewers: [],
      });
      expect((await actions.createPullRequest('acme/web', { ...fields, title: 'Two' })).number).toBe(2);
      expect((await actions.createPullRequest('acme/api', fields)).number).toBe(1);
      expect(await actions.getPullRequest('acme/web', 1)).toEqual(one);
      expect(await actions.getPullRequest('acme/web', 3)).toBeUndefined();
      const updated = await actions.updatePullRequest('acme/web', 1, {
        state: 'closed',
        reviewers: ['alice', 'bob'],
        title: 'Fixed',
      });
      expect(updated).toEqual({ ...one, state: 'closed', reviewers: ['alice', 'bob'], title: 'Fixed' });
      expect(await actions.getPullRequest('acme/web', 1)).toEqual(updated);
      await expect(actions.updatePullRequest('acme/web', 9, { title: 'x' })).rejects.toMatchObject({
        code: 'action-invalid',
      });
      expect((await actions.listPullRequests('acme/web')).map((pull) => [pull.number, pull.title])).toEqual([
        [1, 'Fixed'],
        [2, 'Two'],
      ]);
      expect(await actions.listPullRequests('acme/none')).toEqual([]);
    });

    it('comments on a pull request in order, and refuses one that does not exist', { timeout }, async () => {
      open();
      await actions.createPullRequest('acme/web', { head: 'h', base: 'main', title: 't', body: 'b' });
      const first = await actions.addComment('acme/web', 1, 'first ✓');
      const second = await actions.addComment('acme/web', 1, 'second');
      expect(first).toEqual({
        id: first.id,
        pullRequest: 1,
        body: 'first ✓',
        url: `local://acme/web/pulls/1#comment-${first.id}`,
      });
      expect(second.id).toBeGreaterThan(first.id);
      expect(await actions.listComments('acme/web', 1)).toEqual([first, second]);
      expect(await actions.listComments('acme/web', 2)).toEqual([]);
      await expect(actions.addComment('acme/web', 2, 'x')).rejects.toMatchObject({ code: 'action-invalid' });
      await expect(actions.addComment('acme/api', 1, 'x')).rejects.toMatchObject({ code: 'action-invalid' });
    });

    it('gives racing openers on two connections distinct numbers', { timeout }, async () => {
      open();
      const other = (await stores().openAgain()).actions({ now: clock.now });
      const opened = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          (index % 2 === 0 ? actions : other).createPullRequest('acme/web', {
            head: `warden/t${index}`,
            base: 'main',
            title: `#${index}`,
            body: '',
          }),
        ),
      );
      expect(opened.map((pull) => pull.number).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 10 }, (_, index) => index + 1),
      );
      expect(await other.listPullRequests('acme/web')).toHaveLength(10);
    });
  });
}
