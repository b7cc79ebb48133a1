import type { ApprovalRequest, ApprovalStore, ApprovalSubject } from '../spec/approvals.ts';
import { canonicalHash } from '../spec/canonical-hash.ts';
import { describeEngine, type EngineSuiteOptions, manualClock } from './engine-stores.ts';

const TTL_MS = 60_000;
const shell = (command: string): ApprovalSubject => ({ kind: 'tool', tool: 'shell', input: { command } });
/** The content hash of a subject, as the stores compute it (`approvalContentHash`). */
const hashOf = (command: string) => canonicalHash({ kind: 'tool', tool: 'shell', input: { command } });

/**
 * Registers the Vitest suite every `ApprovalStore` must pass: a request filed pending with the exact
 * call; found by its task and content only; expiry computed when read (a pending or approved request
 * past its life reads `expired` and cannot be decided or spent; a denial stays a denial); a second
 * decision refused; listings newest first by task, state and limit; an approval spent once; kept when
 * the database is opened again; and, through two connections at once, exactly one of racing consumers
 * spending an approval and exactly one of racing deciders deciding it. Await it at the top level of a
 * test file; it imports Vitest lazily.
 */
export async function runApprovalStoreConformance(options: EngineSuiteOptions): Promise<void> {
  const { expect, it } = await import('vitest');
  await describeEngine(options, 'approval store conformance', (stores, timeout) => {
    let clock: ReturnType<typeof manualClock>;
    let approvals: ApprovalStore;
    const open = () => {
      clock = manualClock();
      approvals = stores().approvals({ ttlMs: TTL_MS, now: clock.now });
    };
    const file = (command: string, taskId = 't1') =>
      approvals.file({ taskId, subject: shell(command), reasons: [], policyIds: [] });

    it('files a pending request with the exact call, reasons, policies and content hash', {
      timeout,
    }, async () => {
      open();
      const filed = await approvals.file({
        taskId: 't1',
        subject: shell('npm publish'),
        reasons: ['publishing needs a human', 'unknown command'],
        policyIds: ['ask-publish'],
      });
      expect(filed).toEqual({
        id: expect.stringMatching(/^apr-[0-9a-f]{10}$/),
        taskId: 't1',
        kind: 'tool',
        tool: 'shell',
        input: { command: 'npm publish' },
        reason: 'publishing needs a human; unknown command',
        reasons: ['publishing needs a human', 'unknown command'],
        policyIds: ['ask-publish'],
        status: 'pending',
        contentHash: hashOf('npm publish'),
        createdAt: '2026-01-01T00:00:00.000Z',
        expiresAt: '2026-01-01T00:01:00.000Z',
        decidedBy: null,
        decidedAt: null,
        decisionReason: null,
      });
      expect(await approvals.get(filed.id)).toEqual(filed);
      expect(await approvals.get('apr-nope')).toBeUndefined();
      const action = await approvals.file({
        taskId: 't1',
        subject: { kind: 'action', action: 'deploy', parameters: { environment: 'prod', ref: 'abc' } },
        reasons: ['deploy'],
        policyIds: [],
      });
      expect(action).toMatchObject({ kind: 'action', tool: 'deploy', input: { environment: 'prod' } });
      expect(await approvals.list({ status: 'pending' })).toHaveLength(2);
    });

    it('finds the newest request of a task for exactly its content', { timeout }, async () => {
      open();
      const first = await file('npm publish');
      await approvals.decide(first.id, { approve: true, by: 'alice' });
      expect((await approvals.findApproval('t1', hashOf('npm publish')))?.status).toBe('approved');
      expect(await approvals.findApproval('t1', hashOf('npm publish --tag next'))).toBeUndefined();
      expect(await approvals.findApproval('t2', hashOf('npm publish'))).toBeUndefined();
      // Filed in the same instant, the later request is the newer one.
      const second = await file('npm publish');
      expect((await approvals.findApproval('t1', hashOf('npm publish')))?.id).toBe(second.id);
      clock.advance(1_000);
      const third = await file('npm publish');
      expect((await approvals.findApproval('t1', hashOf('npm publish')))?.id).toBe(third.id);
    });

    it('expires: a request past its life cannot be decided, and an approval past it no longer counts', {
      timeout,
    }, async () => {
      open();
      const pending = await file('a');
      const approved = await file('b');
      const denied = await file('c');
      await approvals.decide(approved.id, { approve: true, by: 'alice' });
      await approvals.decide(denied.id, { approve: false, by: 'alice' });
      clock.advance(TTL_MS - 1);
      expect((await approvals.get(pending.id))?.status).toBe('pending');
      clock.advance(1);
      expect((await approvals.get(pending.id))?.status).toBe('expired');
      expect((await approvals.get(approved.id))?.status).toBe('expired');
      expect((await approvals.get(denied.id))?.status).toBe('denied');
      await expect(approvals.decide(pending.id, { approve: true, by: 'bob' })).rejects.toMatchObject({
        name: 'UserError',
        code: 'approval-expired',
      });
      expect(await approvals.consume(approved.id)).toBe(false);
      expect(await approvals.list({ status: 'pending' })).toEqual([]);
      expect(await approvals.list({ status: 'approved' })).toEqual([]);
      expect((await approvals.list({ status: 'expired' })).map((request) => request.id).sort()).toEqual(
        [pending.id, approved.id].sort(),
      );
      expect((await approvals.list({ status: 'denied' })).map((request) => request.id)).toEqual([denied.id]);
    });

    it('refuses an unknown id and a second decision, and keeps who decided and why', {
      timeout,
    }, async () => {
      open();
      await expect(approvals.decide('apr-nope', { approve: true, by: 'alice' })).rejects.toMatchObject({
        name: 'UserError',
        code: 'approval-not-found',
      });
      const filed = await file('a');
      clock.advance(5_000);
      const denied = await approvals.decide(filed.id, { approve: false, by: 'alice', reason: 'not today' });
      expect(denied).toMatchObject({
        status: 'denied',
        decidedBy: 'alice',
        decidedAt: '2026-01-01T00:00:05.000Z',
        decisionReason: 'not today',
      });
      expect(await approvals.get(filed.id)).toEqual(denied);
      await expect(approvals.decide(filed.id, { approve: true, by: 'bob' })).rejects.toMatchObject({
        code: 'approval-decided',
        message: expect.stringContaining('already denied by alice'),
      });
      expect((await approvals.get(filed.id))?.decidedBy).toBe('alice');
    });

    it('lists newest first, by task and state, at most the limit', { timeout }, async () => {
      open();
      const ids: string[] = [];
      for (let index = 0; index < 5; index++) {
        ids.push((await file(`step ${index}`, index % 2 === 0 ? 't1' : 't2')).id);
        // Two requests in each instant: the later filed lists first.
        if (index % 2 === 1) clock.advance(1_000);
      }
      const newestFirst = [...ids].reverse();
      expect((await approvals.list()).map((request) => request.id)).toEqual(newestFirst);
      expect((await approvals.list({ limit: 2 })).map((request) => request.id)).toEqual(
        newestFirst.slice(0, 2),
      );
      expect((await approvals.list({ taskId: 't2' })).map((request) => request.id)).toEqual([ids[3], ids[1]]);
      await approvals.decide(ids[0]!, { approve: true, by: 'alice' });
      expect(
        (await approvals.list({ taskId: 't1', status: 'pending' })).map((request) => request.id),
      ).toEqual([ids[4], ids[2]]);
      expect((await approvals.list({ status: 'approved' })).map((request) => request.id)).toEqual([ids[0]]);
      expect(await approvals.list({ taskId: 'none' })).toEqual([]);
    });

    it('spends an approval once, and not after it expired', { timeout }, async () => {
      open();
      const first = await file('npm publish');
      expect(await approvals.consume(first.id)).toBe(false); // still pending
      await approvals.decide(first.id, { approve: true, by: 'alice' });
      expect(await approvals.consume(first.id)).toBe(true);
      expect(await approvals.consume(first.id)).toBe(false);
      expect((await approvals.get(first.id))?.status).toBe('used');
      expect(await approvals.list({ status: 'used' })).toHaveLength(1);
      await expect(approvals.decide(first.id, { approve: true, by: 'bob' })).rejects.toMatchObject({
        code: 'approval-decided',
      });
      expect(await approvals.consume('apr-nope')).toBe(false);

      const second = await file('npm publish');
      await approvals.decide(second.id, { approve: true, by: 'alice' });
      clock.advance(TTL_MS + 1_000);
      expect(await approvals.consume(second.id)).toBe(false);
      // A used approval stays used however old it gets.
      expect((await approvals.get(first.id))?.status).toBe('used');
    });

    it('keeps requests and decisions when the database is opened again', { timeout }, async () => {
      open();
      const filed = await file('npm publish');
      const approved = await approvals.decide(filed.id, { approve: true, by: 'alice', reason: 'ok' });
      const again = (await stores().openAgain()).approvals({ ttlMs: TTL_MS, now: clock.now });
      expect(await again.get(filed.id)).toEqual(approved);
      expect(await again.findApproval('t1', hashOf('npm publish'))).toEqual(approved);
    });

    it('lets exactly one of racing consumers on two connections spend an approval', { timeout }, async () => {
      open();
      const other = (await stores().openAgain()).approvals({ ttlMs: TTL_MS, now: clock.now });
      for (let round = 0; round < 3; round++) {
        const filed = await file(`deploy ${round}`);
        await approvals.decide(filed.id, { approve: true, by: 'alice' });
        const spent = await Promise.all(
          Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? approvals : other).consume(filed.id)),
        );
        expect(spent.filter(Boolean)).toHaveLength(1);
        expect((await other.get(filed.id))?.status).toBe('used');
      }
    });

    it('lets exactly one of racing deciders on two connections decide a request', { timeout }, async () => {
      open();
      const other = (await stores().openAgain()).approvals({ ttlMs: TTL_MS, now: clock.now });
      const filed = await file('deploy');
      const settled = await Promise.allSettled(
        Array.from({ length: 8 }, (_, index) =>
          (index % 2 === 0 ? approvals : other).decide(filed.id, {
            approve: index % 4 < 2,
            by: `human-${index}`,
          }),
        ),
      );
      const decided = settled.filter(
        (result): result is PromiseFulfilledResult<ApprovalRequest> => result.status === 'fulfilled',
      );
      expect(decided).toHaveLength(1);
      for (const result of settled) {
        if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'approval-decided' });
      }
      expect(await approvals.get(filed.id)).toEqual(decided[0]?.value);
    });
  });
}
