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

  it('takes an id once, and counts every replay without changing the first record', () => {
    expect(deliveries.claim(started('a', 'ci@main'))).toBe(true);
    expect(deliveries.claim({ ...started('a', 'ci@main'), outcome: 'ignored: whatever' })).toBe(false);
    expect(deliveries.claim(started('a', 'ci@main'))).toBe(false);
    expect(deliveries.replaysOf('a')).toBe(2);
    expect(deliveries.lastStarted('octo/shop', 'ci@main')).toMatchObject({ taskId: 't-a', status: null });
  });

  it('counts the started ones of a repository, and lets go of the subject of one that never started', () => {
    deliveries.claim(started('b', 'ci@dev'));
    expect(deliveries.startedSince('octo/shop', new Date(Date.now() - 60_000).toISOString())).toBe(2);
    deliveries.failed('b', 'repository gone');
    expect(deliveries.lastStarted('octo/shop', 'ci@dev')).toBeUndefined();
    expect(deliveries.startedSince('octo/shop', new Date(Date.now() - 60_000).toISOString())).toBe(1);
  });
});
