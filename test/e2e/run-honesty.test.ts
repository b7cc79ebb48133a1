import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore, SqliteBreakerStore } from '../../src/store/index.ts';
import { git, makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

/** What `warden run` and `warden demo` print says what happened: no change implied that is not there. */
describe('warden run reports what happened', { timeout: 300_000 }, () => {
  const work = scratch('run-honesty');
  let repo: string;
  beforeAll(() => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n', 'notes.txt': 'one\ntwo\n' });
  });
  afterAll(work.cleanup);

  it('--no-branch says the change was discarded, and how big it was', async () => {
    const script = writeScript(
      work.dir,
      {
        turns: [
          {
            tool_calls: [
              { name: 'write_file', input: { path: 'README.md', content: '# hello\nworld\nagain\n' } },
              { name: 'write_file', input: { path: 'notes.txt', content: 'one\n' } },
            ],
          },
          { text: 'done' },
        ],
      },
      'edit.json',
    );
    const args = ['run', '--repo', repo, '--task', 'edit', '--model', `scripted:${script}`, '--no-branch'];
    const home = path.join(work.dir, 'home-no-branch');
    const text = await runWarden([...args, '--data-dir', home]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      'branch: none (--no-branch: the change was discarded: 2 files changed, +2 -1)',
    );
    expect(text.stdout).not.toContain('no change to save');
    const json = await runWarden([...args, '--data-dir', home, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      branch: null,
      discarded: { filesChanged: 2, insertions: 2, deletions: 1 },
    });
    expect(git(repo, 'branch', '--list', 'warden/*')).toBe('');
  });

  it('a run or demo stopped by an open breaker names it and its reset, and implies no change', async () => {
    const home = path.join(work.dir, 'home-breaker');
    // An earlier run's fleet-wide spend breaker, still open.
    const now = new Date().toISOString();
    await runWarden(['tasks', '--data-dir', home]);
    const store = openSqliteStore(path.join(home, 'warden.db'));
    await new SqliteBreakerStore(store.database).atomically((book) =>
      book.put({
        scope: 'fleet',
        kind: 'spend',
        state: 'open',
        reason: 'the fleet spent its daily limit',
        openedAt: now,
        closesAt: null,
        trips: 1,
        updatedAt: now,
        probeUntil: null,
      }),
    );
    await store.close();

    const script = writeScript(work.dir, { turns: [{ text: 'done' }] }, 'done.json');
    const run = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      'x',
      '--model',
      `scripted:${script}`,
      '--data-dir',
      home,
    ]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout).toContain('the spend breaker of fleet is open');
    expect(run.stdout).toContain('warden breakers reset fleet');
    expect(run.stdout).not.toMatch(/branch:|no change to save|see the change/);

    const demo = await runWarden(['demo', '--data-dir', home]);
    expect(demo.code, demo.stderr).toBe(3);
    expect(demo.stdout).toContain('the spend breaker of fleet is open');
    expect(demo.stdout).toContain('warden breakers reset fleet');
    expect(demo.stdout).not.toMatch(/see the change|branch\s/);
  });

  it('agent.batch with a model that has no batch API is a config error naming agent.batch', async () => {
    const config = path.join(work.dir, 'batch.json');
    writeFileSync(config, JSON.stringify({ agent: { batch: true } }));
    const script = writeScript(
      work.dir,
      { model: 'anthropic:claude-haiku-4-5', turns: [{ text: 'done' }] },
      'b.json',
    );
    const result = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      'x',
      '--model',
      `scripted:${script}`,
      '--config',
      config,
      '--data-dir',
      path.join(work.dir, 'home-batch'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/agent\.batch/);
    expect(result.stderr).toMatch(/no batch API/);
    expect(result.stdout).toBe('');
  });
});
