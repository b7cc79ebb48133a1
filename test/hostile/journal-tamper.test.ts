import { cpSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashEvent } from '../../src/journal/index.ts';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';
import { createAttackTally } from './harness.ts';

/**
 * An attacker with write access to Warden's database (but not to its checkpoint key) rewrites history:
 * deletes the end of a journal, or edits an event and recomputes every hash after it. `warden trace`
 * must say so and exit non-zero, never "chain verified".
 */
describe('hostile: tampering with the journal in the database', () => {
  createAttackTally('journal-tamper');
  const work = scratch('tamper');
  const original = path.join(work.dir, 'original');
  let taskId: string;
  let copies = 0;

  /** A fresh copy of the data directory holding the finished task. */
  const copy = (): string => {
    copies += 1;
    const home = path.join(work.dir, `copy-${copies}`);
    cpSync(original, home, { recursive: true });
    return home;
  };
  const tamper = (home: string, work: (db: DatabaseSync) => void) => {
    const db = new DatabaseSync(path.join(home, 'warden.db'));
    try {
      work(db);
    } finally {
      db.close();
    }
  };
  const trace = (home: string) => runWarden(['trace', taskId, '--data-dir', home]);
  const eventCount = (home: string) => {
    let count = 0;
    tamper(home, (db) => {
      count = Number((db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n);
    });
    return count;
  };

  beforeAll(async () => {
    const repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    const turns = [
      ...Array.from({ length: 5 }, (_, index) => ({
        tool_calls: [
          { name: 'write_file', input: { path: `notes/${index}.md`, content: `note ${index}\n` } },
        ],
      })),
      { text: 'done' },
    ];
    const result = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      'write notes',
      '--model',
      `scripted:${writeScript(work.dir, { model: 'openai:gpt-5.4-mini', turns })}`,
      '--json',
      '--data-dir',
      original,
    ]);
    expect(result.code, result.stderr).toBe(0);
    taskId = JSON.parse(result.stdout).taskId;
    const clean = await trace(original);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/chain verified/);
  }, 120_000);
  afterAll(work.cleanup);

  it.each([
    ['its last event', (events: number) => `seq > ${events - 1}`],
    ['its last ten events', (events: number) => `seq > ${events - 10}`],
    ['all but its first event', () => 'seq > 1'],
    ['all its events', () => 'seq >= 1'],
  ])(
    'detects the deletion of %s',
    async (_name, where) => {
      const home = copy();
      const events = eventCount(home);
      expect(events).toBeGreaterThan(11);
      tamper(home, (db) => db.prepare(`DELETE FROM events WHERE ${where(events)}`).run());
      const result = await trace(home);
      expect(result.code).not.toBe(0);
      expect(result.stdout).not.toMatch(/chain verified/);
      expect(result.stdout + result.stderr).toMatch(/BROKEN|truncated|missing/i);
    },
    60_000,
  );

  it('detects a truncation whose task row was made to agree with it (status running, head moved back)', async () => {
    const home = copy();
    tamper(home, (db) => {
      const events = eventCount(home);
      db.prepare('DELETE FROM events WHERE seq > ?').run(events - 3);
      const last = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as {
        seq: number;
        hash: string;
      };
      db.prepare(
        "UPDATE tasks SET status = 'running', stop_reason = NULL, ended_at = NULL, head_seq = ?, head_hash = ?",
      ).run(last.seq, last.hash);
    });
    const result = await trace(home);
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toMatch(/chain verified/);
    expect(result.stdout + result.stderr).toMatch(/checkpoint/i);
  }, 60_000);

  it('detects an event edited with every hash after it recomputed and the task row updated', async () => {
    const home = copy();
    tamper(home, (db) => {
      const rows = db.prepare('SELECT * FROM events ORDER BY seq').all() as Array<Record<string, string>>;
      let previous = '0'.repeat(64);
      for (const row of rows) {
        const body = JSON.parse(row.body!) as Record<string, unknown>;
        if (row.type === 'tool-call-start') body.input = { path: 'notes/0.md', content: 'rewritten\n' };
        const event = {
          ...body,
          taskId: row.task_id,
          seq: Number(row.seq),
          type: row.type,
          at: row.at,
          prevHash: previous,
        };
        const hash = hashEvent(event as never);
        db.prepare('UPDATE events SET body = ?, prev_hash = ?, hash = ? WHERE task_id = ? AND seq = ?').run(
          JSON.stringify(body),
          previous,
          hash,
          row.task_id!,
          Number(row.seq),
        );
        previous = hash;
      }
      db.prepare('UPDATE tasks SET head_hash = ?').run(previous);
    });
    const result = await trace(home);
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toMatch(/chain verified/);
    expect(result.stdout + result.stderr).toMatch(/checkpoint/i);
  }, 60_000);
});
