import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalSubject } from '../spec/approvals.ts';
import { approvalContentHash, SqliteApprovalStore } from './approvals-store.ts';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';

const shell = (command: string): ApprovalSubject => ({ kind: 'tool', tool: 'shell', input: { command } });

describe('SqliteApprovalStore', () => {
  let store: SqliteStore;
  let clock: Date;
  let approvals: SqliteApprovalStore;

  beforeEach(() => {
    store = openSqliteStore(':memory:');
    clock = new Date('2026-01-01T00:00:00Z');
    approvals = new SqliteApprovalStore(store.database, { ttlMs: 60_000, now: () => clock });
  });
  afterEach(() => store.close());

  it('files a pending request with the exact call, reasons, policies and content hash', async () => {
    const filed = await approvals.file({
      taskId: 't1',
      subject: shell('npm publish'),
      reasons: ['publishing needs a human', 'unknown command'],
      policyIds: ['ask-publish'],
    });
    expect(filed).toMatchObject({
      taskId: 't1',
      kind: 'tool',
      tool: 'shell',
      input: { command: 'npm publish' },
      reason: 'publishing needs a human; unknown command',
      policyIds: ['ask-publish'],
      status: 'pending',
      contentHash: approvalContentHash(shell('npm publish')),
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T00:01:00.000Z',
      decidedBy: null,
    });
    expect(await approvals.list({ status: 'pending' })).toHaveLength(1);
  });

  it('covers exactly the content it was filed for', async () => {
    const filed = await approvals.file({
      taskId: 't1',
      subject: shell('npm publish'),
      reasons: [],
      policyIds: [],
    });
    await approvals.decide(filed.id, { approve: true, by: 'alice' });
    const same = await approvals.findApproval('t1', approvalContentHash(shell('npm publish')));
    expect(same?.status).toBe('approved');
    expect(
      await approvals.findApproval('t1', approvalContentHash(shell('npm publish --tag next'))),
    ).toBeUndefined();
    expect(await approvals.findApproval('t2', approvalContentHash(shell('npm publish')))).toBeUndefined();
    // Key order does not matter; the value does.
    const reordered = { kind: 'tool', tool: 'shell', input: { b: 1, a: 2 } } as const;
    const original = { kind: 'tool', tool: 'shell', input: { a: 2, b: 1 } } as const;
    expect(approvalContentHash(reordered)).toBe(approvalContentHash(original));
  });

  it('expires: a request past its life cannot be approved, and an approval past it no longer counts', async () => {
    const pending = await approvals.file({ taskId: 't1', subject: shell('a'), reasons: [], policyIds: [] });
    const approved = await approvals.file({ taskId: 't1', subject: shell('b'), reasons: [], policyIds: [] });
    await approvals.decide(approved.id, { approve: true, by: 'alice' });
    clock = new Date(clock.getTime() + 60_000);
    expect((await approvals.get(pending.id))?.status).toBe('expired');
    expect((await approvals.get(approved.id))?.status).toBe('expired');
    await expect(approvals.decide(pending.id, { approve: true, by: 'bob' })).rejects.toMatchObject({
      code: 'approval-expired',
    });
    expect(await approvals.list({ status: 'pending' })).toEqual([]);
    expect(await approvals.list({ status: 'expired' })).toHaveLength(2);
  });

  it('refuses an unknown id and a second decision', async () => {
    await expect(approvals.decide('apr-nope', { approve: true, by: 'alice' })).rejects.toMatchObject({
      name: 'UserError',
      code: 'approval-not-found',
    });
    const filed = await approvals.file({ taskId: 't1', subject: shell('a'), reasons: [], policyIds: [] });
    const denied = await approvals.decide(filed.id, { approve: false, by: 'alice', reason: 'not today' });
    expect(denied).toMatchObject({ status: 'denied', decidedBy: 'alice', decisionReason: 'not today' });
    await expect(approvals.decide(filed.id, { approve: true, by: 'bob' })).rejects.toMatchObject({
      code: 'approval-decided',
      message: expect.stringContaining('already denied by alice'),
    });
  });

  it('survives reopening the file', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const directory = await mkdtemp(path.join(os.tmpdir(), 'warden-approvals-'));
    try {
      const file = path.join(directory, 'warden.db');
      const first = openSqliteStore(file);
      const filed = await new SqliteApprovalStore(first.database).file({
        taskId: 't1',
        subject: { kind: 'action', action: 'deploy', parameters: { environment: 'prod', ref: 'abc' } },
        reasons: ['deploy'],
        policyIds: [],
      });
      await first.close();
      const second = openSqliteStore(file);
      expect(await new SqliteApprovalStore(second.database).get(filed.id)).toMatchObject({
        tool: 'deploy',
        status: 'pending',
      });
      await second.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('spends an approval once, and not after it expired', async () => {
    const file = () =>
      approvals.file({ taskId: 't1', subject: shell('npm publish'), reasons: [], policyIds: [] });
    const first = await file();
    expect(await approvals.consume(first.id)).toBe(false); // still pending
    await approvals.decide(first.id, { approve: true, by: 'alice' });
    expect(await approvals.consume(first.id)).toBe(true);
    expect(await approvals.consume(first.id)).toBe(false);
    expect((await approvals.get(first.id))?.status).toBe('used');
    expect(await approvals.list({ status: 'used' })).toHaveLength(1);
    await expect(approvals.decide(first.id, { approve: true, by: 'bob' })).rejects.toMatchObject({
      code: 'approval-decided',
    });

    const second = await file();
    await approvals.decide(second.id, { approve: true, by: 'alice' });
    clock = new Date(clock.getTime() + 61_000);
    expect(await approvals.consume(second.id)).toBe(false);
    expect((await approvals.get(first.id))?.status).toBe('used');
  });
});
