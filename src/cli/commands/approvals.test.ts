import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInProcess } from '../../../test/support/command-io.ts';
import { Journal } from '../../journal/index.ts';
import { openSqliteStore, SqliteApprovalStore } from '../../store/index.ts';
import { main } from '../main.ts';

async function run(argv: string[], home: string) {
  return runInProcess(main, [...argv, '--data-dir', home], home);
}

describe('warden approvals, approve, deny', () => {
  let home: string;
  let ids: string[];

  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'warden-approvals-cli-'));
    const store = openSqliteStore(path.join(home, 'warden.db'));
    await store.createTask({
      id: 't1',
      prompt: 'p',
      repo: home,
      baseCommit: 'x',
      model: 'scripted:x',
      requestedBy: 'test',
      createdAt: new Date().toISOString(),
    });
    // A task's journal always begins with its start.
    await new Journal(store).append('t1', 'task-start', {
      prompt: 'p',
      repo: home,
      baseCommit: 'x',
      model: 'scripted:x',
      requestedBy: 'test',
      agent: 'default',
      team: 'default',
      createBranch: true,
      limits: null,
    });
    const approvals = new SqliteApprovalStore(store.database);
    ids = [];
    for (const command of ['npm publish', 'rm -rf dist']) {
      const filed = await approvals.file({
        taskId: 't1',
        subject: { kind: 'tool', tool: 'shell', input: { command } },
        reasons: [`${command} needs a human`],
        policyIds: ['ask-unknown'],
      });
      ids.push(filed.id);
    }
    await store.close();
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('lists pending requests as JSON with id, taskId, tool and reason', async () => {
    const { code, out } = await run(['approvals', '--json'], home);
    expect(code).toBe(0);
    const listed = JSON.parse(out) as Array<Record<string, unknown>>;
    expect(listed).toHaveLength(2);
    expect(listed).toContainEqual(
      expect.objectContaining({
        id: ids[0],
        taskId: 't1',
        tool: 'shell',
        reason: 'npm publish needs a human',
      }),
    );
  });

  it('approves and denies once, journals the decision, and refuses a second decision or an unknown id', async () => {
    expect((await run(['approve', ids[0]!, '--by', 'alice'], home)).code).toBe(0);
    const denied = await run(['deny', ids[1]!, '--reason', 'too risky', '--json'], home);
    expect(denied.code).toBe(0);
    expect(JSON.parse(denied.out)).toMatchObject({ status: 'denied', decisionReason: 'too risky' });

    const again = await run(['approve', ids[1]!], home);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already denied/);
    const unknown = await run(['deny', 'apr-doesnotexist'], home);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no approval request has the id "apr-doesnotexist"/);

    expect(JSON.parse((await run(['approvals', '--json'], home)).out)).toEqual([]);
    const store = openSqliteStore(path.join(home, 'warden.db'));
    try {
      const decisions = (await store.listEvents('t1')).filter((event) => event.type === 'approval-decision');
      expect(decisions.map((event) => [event.approvalId, event.status, event.decidedBy])).toEqual([
        [ids[0], 'approved', 'alice'],
        [ids[1], 'denied', 'local'],
      ]);
      const verified = await new Journal(store).verify('t1');
      expect(verified, JSON.stringify(verified)).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  });

  it('needs an id', async () => {
    const result = await run(['approve'], home);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/which request/);
  });
});
