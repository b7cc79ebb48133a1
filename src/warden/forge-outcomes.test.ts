import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/index.ts';
import { openSqliteStores, type SqliteStoreSet } from '../store/index.ts';
import { applyOutcomeEvent } from './forge-outcomes.ts';
import { outcomeReport } from './outcome-report.ts';

/** GitHub's own example payloads (`@octokit/webhooks-examples`). */
const EXAMPLES = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
  name: string;
  examples: Array<Record<string, unknown> & { action?: string; ref?: string }>;
}>;
/** The parts of the examples these tests change. */
interface Payload {
  pull_request: { head: { ref: string }; merged?: boolean; merge_commit_sha?: string; closed_at?: string };
  review: { state: string };
  repository: { full_name: string };
  sender: { login: string };
  ref: string;
  commits: Array<Record<string, unknown>>;
}
const example = (event: string, pick: (payload: Record<string, unknown>) => boolean) =>
  structuredClone(EXAMPLES.find((entry) => entry.name === event)!.examples.find(pick)!) as unknown as Payload;

const REPO = 'Codertocat/Hello-World';
const MERGE = 'f'.repeat(40);
const config = ConfigSchema.parse({
  triggers: { github: { repositories: { [REPO]: '/checkout' }, ignoreActors: ['warden[bot]'] } },
});

function closed(taskId: string, merged: boolean) {
  const payload = example('pull_request', (p) => p.action === 'closed');
  payload.pull_request.head.ref = `warden/${taskId}`;
  payload.pull_request.merged = merged;
  payload.pull_request.merge_commit_sha = MERGE.replace(/f$/, taskId.at(-1)!);
  payload.pull_request.closed_at = '2026-12-03T12:00:00Z';
  return payload;
}
function changesRequested(taskId: string) {
  const payload = example('pull_request_review', (p) => p.action === 'submitted');
  payload.pull_request.head.ref = `warden/${taskId}`;
  payload.review.state = 'changes_requested';
  return payload;
}
function push(ref: string, sender: string, messages: string[]) {
  const payload = example('push', (p) => p.ref === 'refs/heads/master');
  payload.ref = ref;
  payload.sender.login = sender;
  payload.commits = messages.map((message) => ({ ...payload.commits[0], message }));
  return payload;
}

describe('outcomes of Warden pull requests, from the forge', () => {
  let dir: string;
  let stores: SqliteStoreSet;
  let pulls: SqliteStoreSet['pullOutcomes'];
  const apply = (event: string, payload: unknown) => applyOutcomeEvent(config, event, payload, pulls);

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'warden-outcomes-'));
    stores = openSqliteStores(path.join(dir, 'warden.db'));
    pulls = stores.pullOutcomes;
    for (const [number, taskId] of ['t-1', 't-2', 't-3', 't-4'].entries()) {
      await pulls.opened({
        taskId,
        repository: REPO,
        number: number + 1,
        url: `u${number}`,
        at: '2026-12-03T10:00:00Z',
      });
    }
  });
  afterEach(async () => {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tells first pass from after changes, rejected and reverted, and reports the rate', async () => {
    expect(await apply('pull_request', closed('t-1', true))).toEqual({
      taskIds: ['t-1'],
      change: 'accepted-first-pass',
    });

    expect(await apply('pull_request_review', changesRequested('t-2'))).toEqual({
      taskIds: ['t-2'],
      change: 'changes-requested',
    });
    expect(await apply('pull_request', closed('t-2', true))).toMatchObject({
      change: 'accepted-after-changes',
    });

    expect(await apply('push', push('refs/heads/warden/t-3', 'ada', ['tidy the fix']))).toMatchObject({
      change: 'human-commits',
    });
    // Warden's own App pushing onto its branch is not a human commit.
    expect(await apply('push', push('refs/heads/warden/t-4', 'warden[bot]', ['x']))).toHaveProperty('reason');
    expect(await apply('pull_request', closed('t-3', true))).toMatchObject({
      change: 'accepted-after-changes',
    });
    expect(await apply('pull_request', closed('t-4', false))).toMatchObject({ change: 'rejected' });

    // A revert of t-1's merge on the default branch.
    const revert = push('refs/heads/master', 'ada', [
      `Revert "fix"\n\nThis reverts commit ${MERGE.slice(0, 39)}1.`,
    ]);
    expect(await apply('push', revert)).toEqual({ taskIds: ['t-1'], change: 'reverted' });

    // Late or repeated events change nothing once a pull request is closed.
    expect(await apply('pull_request', closed('t-4', true))).toHaveProperty('reason');
    expect(await apply('pull_request_review', changesRequested('t-1'))).toHaveProperty('reason');

    const report = await outcomeReport({ stores });
    expect(report).toMatchObject({
      pulls: 4,
      acceptedFirstPass: 0,
      acceptedAfterChanges: 2,
      rejected: 1,
      reverted: 1,
      open: 0,
      firstPassAcceptRate: 0,
      timeToMergeHours: { p50: 2, p90: 2 },
    });
  });

  it('counts only Warden branches of configured repositories', async () => {
    const other = closed('t-1', true);
    other.pull_request.head.ref = 'feature/x';
    expect(await apply('pull_request', other)).toEqual({ reason: 'not a Warden pull request or branch' });
    const elsewhere = closed('t-1', true);
    elsewhere.repository.full_name = 'someone/else';
    expect(await apply('pull_request', elsewhere)).toHaveProperty('reason');
    expect(await apply('pull_request', closed('t-1', true))).toMatchObject({ change: 'accepted-first-pass' });
    expect((await outcomeReport({ stores })).firstPassAcceptRate).toBe(1);
  });
});
