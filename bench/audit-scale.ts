import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../src/store/index.ts';
import { createWarden } from '../src/warden/index.ts';
import { summarize, timeEach } from './stats.ts';

const FILLER_TASKS = 1_000;
const EVENTS_PER_TASK = 1_000;

/**
 * (q) `warden audit` of one task in a store of a million journal events, against a full scan of the
 * events table (what answering from the journal without the per-task index would cost), and `warden
 * audit search --path` over the same store (by event type and time, with SQLite's JSON functions)
 * against the same full scan. The audited task is a real `warden run` (scripted model, delivered to a
 * local forge); the other 999,9xx events are rows of 1,000 filler tasks written with one INSERT.
 * Medians of in-process runs after a warm-up.
 */
export async function benchAuditScale() {
  const work = mkdtempSync(path.join(tmpdir(), 'warden-bench-audit-'));
  try {
    const repo = path.join(work, 'repo');
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=B', '-c', 'user.email=b@e.com', ...args], { cwd, stdio: 'pipe' });
    execFileSync('mkdir', ['-p', repo]);
    git(repo, 'init', '--quiet', '--initial-branch=main');
    writeFileSync(path.join(repo, 'README.md'), '# bench\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '--quiet', '-m', 'one');
    const remote = path.join(work, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', repo, remote]);
    const script = path.join(work, 'script.json');
    const usage = { input_tokens: 1000, output_tokens: 40 };
    writeFileSync(
      script,
      JSON.stringify({
        turns: [
          ...Array.from({ length: 20 }, (_, index) => ({
            tool_calls: [{ name: 'write_file', input: { path: `notes/${index}.md`, content: `${index}\n` } }],
            usage,
          })),
          { text: 'done', usage },
        ],
      }),
    );
    const config = path.join(work, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ agent: { check: 'test -f notes/0.md' }, forge: { kind: 'local', remote } }),
    );
    const dataDir = path.join(work, 'home');
    const warden = await createWarden({ dataDir, configPath: config, env: { ...process.env } });
    let taskId: string;
    try {
      const result = await warden.runTask({ repo, task: 'write the notes', model: `scripted:${script}` });
      taskId = result.task.id;
    } finally {
      await warden.close();
    }
    const store = openSqliteStore(path.join(dataDir, 'warden.db'));
    const db = store.database;
    db.exec('BEGIN IMMEDIATE');
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${FILLER_TASKS - 1})
      INSERT INTO tasks (id, prompt, repo, base_commit, model, requested_by, status, stop_reason, steps, cost_usd, created_at, ended_at)
      SELECT 'filler-' || i, 'fill', '/repo', 'base', 'scripted', 'bench', 'succeeded', 'finished', 0, 0,
        '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:01.000Z' FROM n`);
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${FILLER_TASKS * EVENTS_PER_TASK - 1})
      INSERT INTO events (task_id, seq, type, at, prev_hash, hash, body)
      SELECT 'filler-' || (i / ${EVENTS_PER_TASK}), (i % ${EVENTS_PER_TASK}) + 1,
        CASE i % 3 WHEN 0 THEN 'tool-call-start' WHEN 1 THEN 'tool-call-end' ELSE 'decision' END,
        printf('2026-11-%02dT%02d:00:00.000Z', 1 + (i % 28), i % 24), '0', '0',
        '{"toolCallId":"c' || i || '","tool":"read_file","input":{"path":"src/file' || (i % 5000) || '.ts"}}'
      FROM n`);
    db.exec('COMMIT');
    const events = (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    const fullScan = () =>
      db.prepare(`SELECT COUNT(*) AS n FROM events WHERE body LIKE ?`).get(`%notes/0.md%`) as { n: number };
    fullScan();
    const scanMs = summarize(await timeEach(3, async () => fullScan())).median / 1000;
    await store.close();

    const opened = await createWarden({ dataDir, configPath: config, env: { ...process.env } });
    try {
      await opened.audit(taskId);
      const auditMs = summarize(await timeEach(20, () => opened.audit(taskId))).median / 1000;
      await opened.searchAudit({ path: 'notes/0.md' });
      const searchMs =
        summarize(await timeEach(5, async () => opened.searchAudit({ path: 'notes/0.md' }))).median / 1000;
      return {
        events,
        auditMs,
        searchMs,
        scanMs,
        auditRatio: auditMs / scanMs,
        searchRatio: searchMs / scanMs,
      };
    } finally {
      await opened.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) console.log(await benchAuditScale());
