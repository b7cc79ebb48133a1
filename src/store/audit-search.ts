import type { DatabaseSync } from 'node:sqlite';
import {
  type AuditMatch,
  type AuditQuery,
  type AuditSearch,
  auditLimitOf,
  mergeAuditMatches,
} from '../spec/audit-search.ts';

type Row = { task_id: string; seq: number; at: string; type: string } & Record<string, string>;

/**
 * Events across every task that answer an audit question: which touched a path, contacted a host,
 * were decided by a policy, or used a credential, in a time range. Each criterion is one query on
 * the events table by type and time (its index): a substring test of the stored JSON picks the
 * candidates, SQLite's JSON functions then check the exact field.
 */
export class SqliteAuditSearch implements AuditSearch {
  readonly #db: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.#db = database;
  }

  async searchEvents(query: AuditQuery): Promise<AuditMatch[]> {
    const db = this.#db;
    // A substring test of the stored JSON first (cheap), then the exact field (JSON functions, costly).
    const range = 'at >= ? AND at <= ? AND instr(body, ?) > 0';
    const stored = (value: string) => JSON.stringify(value).slice(1, -1);
    // Over all time, one sequential pass beats hundreds of thousands of index lookups (`+type` keeps
    // SQLite off the index); a window since a time uses the (type, at) index.
    const type = query.sinceAt === undefined ? '+type' : 'type';
    const bounds = [query.sinceAt ?? '', query.untilAt ?? '9999'];
    const limit = auditLimitOf(query);
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
    return mergeAuditMatches(found, limit);
  }
}
