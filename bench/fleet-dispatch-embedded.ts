import { DatabaseSync } from 'node:sqlite';
import type { DispatchPayload } from './fleet-dispatch-worker.ts';

/** A job's start as a worker saw it: wall-clock milliseconds with a fraction. */
export interface DispatchStart {
  index: number;
  enqueuedAt: number;
  startedAt: number;
}

/** What the dispatch benchmark drives: something that takes jobs and reports when each starts. */
export interface DispatchRig {
  enqueue(payload: DispatchPayload): Promise<void>;
  close(): Promise<void>;
}

const now = () => performance.timeOrigin + performance.now();

/**
 * The embedded baseline: the work Warden does on one machine without a fleet. A SQLite file (WAL,
 * `synchronous = NORMAL`, as the embedded store opens it) holds the jobs; `workers` in-process workers
 * each claim the oldest queued job with `UPDATE … RETURNING` under `BEGIN IMMEDIATE`, run it (a no-op)
 * and mark it done. An idle worker waits for the enqueuer's wake-up rather than polling.
 */
export function openEmbeddedDispatch(
  file: string,
  workers: number,
  onStart: (start: DispatchStart) => void,
): DispatchRig {
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
  db.exec(`CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    worker INTEGER
  );
  CREATE INDEX IF NOT EXISTS jobs_queued ON jobs (id) WHERE state = 'queued';`);
  const insert = db.prepare('INSERT INTO jobs (payload) VALUES (?)');
  const claim = db.prepare(
    `UPDATE jobs SET state = 'running', worker = ?
     WHERE id = (SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1)
     RETURNING id, payload`,
  );
  const complete = db.prepare(`UPDATE jobs SET state = 'done' WHERE id = ?`);
  const idle: Array<() => void> = [];
  let closed = false;
  const wakeOne = () => idle.shift()?.();
  const noOp = async () => {};

  const loop = async (worker: number) => {
    while (!closed) {
      db.exec('BEGIN IMMEDIATE');
      let row: { id: number; payload: string } | undefined;
      try {
        row = claim.get(worker) as typeof row;
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
      if (!row) {
        await new Promise<void>((resolve) => idle.push(resolve));
        continue;
      }
      const payload = JSON.parse(row.payload) as DispatchPayload;
      onStart({ index: payload.index, enqueuedAt: payload.enqueuedAt, startedAt: now() });
      await noOp();
      complete.run(row.id);
    }
  };
  const running = Array.from({ length: workers }, (_, worker) => loop(worker));

  return {
    enqueue: async (payload) => {
      insert.run(JSON.stringify(payload));
      wakeOne();
    },
    close: async () => {
      closed = true;
      for (const resolve of idle.splice(0)) resolve();
      await Promise.all(running);
      db.close();
    },
  };
}
