import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteDeliveryStore } from './delivery-store.ts';
import { openSqliteStore } from './sqlite-store.ts';

describe('webhook deliveries', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'warden-deliveries-'));
  const store = openSqliteStore(path.join(dir, 'warden.db'));
  const deliveries = new SqliteDeliveryStore(store.database);
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const started = (id: string, subject: string) => ({
    id,
    source: 'github',
    event: 'workflow_run',
    repository: 'octo/shop',
    subject,
    outcome: 'started',
    taskId: `t-${id}`,
  });

  it('takes an id once, and counts every replay without changing the first record', async () => {
    expect(await deliveries.claim(started('a', 'ci@main'))).toBe(true);
    expect(await deliveries.claim({ ...started('a', 'ci@main'), outcome: 'ignored: whatever' })).toBe(false);
    expect(await deliveries.claim(started('a', 'ci@main'))).toBe(false);
    expect(await deliveries.replaysOf('a')).toBe(2);
    expect(await deliveries.lastStarted('octo/shop', 'ci@main')).toMatchObject({
      taskId: 't-a',
      status: null,
    });
  });

  it('counts the started ones of a repository, and lets go of the subject of one that never started', async () => {
    await deliveries.claim(started('b', 'ci@dev'));
    expect(await deliveries.startedSince('octo/shop', new Date(Date.now() - 60_000).toISOString())).toBe(2);
    await deliveries.failed('b', 'repository gone');
    expect(await deliveries.lastStarted('octo/shop', 'ci@dev')).toBeUndefined();
    expect(await deliveries.startedSince('octo/shop', new Date(Date.now() - 60_000).toISOString())).toBe(1);
  });
});
