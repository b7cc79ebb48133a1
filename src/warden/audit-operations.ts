import type { ChainVerification } from '../journal/index.ts';
import type { Task } from '../spec/types.ts';
import { SqlitePullOutcomeStore } from '../store/index.ts';
import { type AuditReport, auditOf } from './audit.ts';
import { forgeTarget } from './forge-target.ts';
import type { SharedParts } from './task-runtime.ts';

/** What `warden audit search` looks for; every given criterion must hold. */
export interface AuditQuery {
  /** A file the agent read or wrote (a tool call's `path`), exactly. */
  path?: string | undefined;
  /** A host the sandbox contacted (or tried to). */
  host?: string | undefined;
  /** A policy id that decided a call or an action. */
  policy?: string | undefined;
  /** A credential issued for this repository (or with this action in its scope). */
  credential?: string | undefined;
  /** ISO times bounding the events looked at. */
  sinceAt?: string | undefined;
  untilAt?: string | undefined;
  limit?: number | undefined;
}

/** One event that matched a search, and the task it belongs to. */
export interface AuditMatch {
  taskId: string;
  seq: number;
  at: string;
  type: string;
  /** What matched, in one line. */
  detail: string;
}

/** The audit of `task`: its journal, the merge the forge reported, and where its branch was pushed. */
export async function auditTask(parts: SharedParts, task: Task): Promise<AuditReport> {
  const events = await parts.journal.events(task.id);
  const pull = await new SqlitePullOutcomeStore(parts.store.database).get(task.id);
  const merged = pull?.state.startsWith('accepted-') ? pull.mergeCommit : null;
  const start = events[0]?.type === 'task-start' ? events[0] : undefined;
  return auditOf(task, events, { merged, forge: forgeTarget(parts.config, start?.trigger?.repository) });
}

/** Verifies the journals of the given tasks (all when none is given), first broken event first. */
export async function verifyJournals(
  parts: SharedParts,
  tasks: readonly Task[],
): Promise<Array<{ taskId: string; verification: ChainVerification }>> {
  const results: Array<{ taskId: string; verification: ChainVerification }> = [];
  for (const task of tasks)
    results.push({ taskId: task.id, verification: await parts.journal.verify(task.id) });
  return results;
}

/**
 * Events across every task that answer an audit question: which touched a path, contacted a host,
 * were decided by a policy, or used a credential, in a time range. Each criterion is one query on
 * the events table by type and time (its index): a substring test of the stored JSON picks the
 * candidates, SQLite's JSON functions then check the exact field.
 */
export function searchAudit(parts: SharedParts, query: AuditQuery): AuditMatch[] {
  const db = parts.store.database;
  // A substring test of the stored JSON first (cheap), then the exact field (JSON functions, costly).
  const range = 'at >= ? AND at <= ? AND instr(body, ?) > 0';
  const stored = (value: string) => JSON.stringify(value).slice(1, -1);
  // Over all time, one sequential pass beats hundreds of thousands of index lookups (`+type` keeps
  // SQLite off the index); a window since a time uses the (type, at) index.
  const type = query.sinceAt === undefined ? '+type' : 'type';
  const bounds = [query.sinceAt ?? '', query.untilAt ?? '9999'];
  const limit = query.limit ?? 200;
  const found: AuditMatch[] = [];
  const run = (sql: string, parameters: Array<string | number>, detail: (row: Row) => string) => {
    const rows = db.prepare(`${sql} ORDER BY at LIMIT ?`).all(...parameters, limit) as Row[];
    for (const row of rows) {
      found.push({
        taskId: row.task_id,
        seq: Number(row.seq),
        at: row.at,
        type: row.type,
        detail: detail(row),
      });
    }
  };
  if (query.path !== undefined) {
    run(
      `SELECT task_id, seq, at, type, json_extract(body, '$.tool') AS tool FROM events
       WHERE ${type} = 'tool-call-start' AND ${range} AND json_extract(body, '$.input.path') = ?`,
      [...bounds, stored(query.path), query.path],
      (row) => `${row.tool} ${query.path}`,
    );
  }
  if (query.host !== undefined) {
    run(
      `SELECT task_id, seq, at, type, json_extract(body, '$.decision') AS decision,
         json_extract(body, '$.bytesUp') AS up, json_extract(body, '$.bytesDown') AS down FROM events
       WHERE ${type} = 'net-connect' AND ${range} AND json_extract(body, '$.host') = ?`,
      [...bounds, stored(query.host), query.host],
      (row) => `${query.host} ${row.decision}, ${row.up} B up, ${row.down} B down`,
    );
  }
  if (query.policy !== undefined) {
    run(
      `SELECT task_id, seq, at, type, json_extract(body, '$.tool') AS tool, json_extract(body, '$.decision') AS decision
       FROM events WHERE ${type} = 'decision' AND ${range}
         AND EXISTS (SELECT 1 FROM json_each(body, '$.policyIds') WHERE value = ?)`,
      [...bounds, stored(query.policy), query.policy],
      (row) => `${row.tool}: ${row.decision} by ${query.policy}`,
    );
  }
  if (query.credential !== undefined) {
    run(
      `SELECT task_id, seq, at, type, json_extract(body, '$.repository') AS repository,
         json_extract(body, '$.expiresAt') AS expires FROM events
       WHERE ${type} = 'credential-issued' AND ${range}
         AND (json_extract(body, '$.repository') = ?
           OR EXISTS (SELECT 1 FROM json_each(body, '$.scope') WHERE value = ?))`,
      [...bounds, stored(query.credential), query.credential, query.credential],
      (row) => `task token for ${row.repository}, until ${row.expires}`,
    );
  }
  return found
    .sort((a, b) => a.at.localeCompare(b.at) || a.taskId.localeCompare(b.taskId) || a.seq - b.seq)
    .slice(0, limit);
}

type Row = { task_id: string; seq: number; at: string; type: string } & Record<string, string>;
