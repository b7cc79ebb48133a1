import type { Pool } from 'pg';
import {
  type AuditMatch,
  type AuditQuery,
  type AuditSearch,
  auditLimitOf,
  mergeAuditMatches,
} from '../../spec/audit-search.ts';
import { pgFailure } from './pg-errors.ts';

type Row = { task_id: string; seq: string; at: string; type: string } & Record<string, string | null>;

/**
 * The audit search of `SqliteAuditSearch` on PostgreSQL: each criterion is one query on the events table
 * by type and time (its index), a substring test of the stored body picking the candidates and
 * `jsonb` then checking the exact field. Bodies are stored as text (their hashes cover the bytes), so
 * only the candidates are parsed.
 */
export class PgAuditSearch implements AuditSearch {
  readonly #pool: Pool;
  readonly #url: string;

  constructor(pool: Pool, url: string) {
    this.#pool = pool;
    this.#url = url;
  }

  async searchEvents(query: AuditQuery): Promise<AuditMatch[]> {
    const limit = auditLimitOf(query);
    const stored = (value: string) => JSON.stringify(value).slice(1, -1);
    const range = `type = $1 AND at >= $2 AND at <= $3 AND strpos(body, $4) > 0`;
    const bounds = [query.sinceAt ?? '', query.untilAt ?? '9999'];
    const found: AuditMatch[] = [];
    const run = async (
      type: string,
      select: string,
      condition: string,
      value: string,
      detail: (row: Row) => string,
    ) => {
      const sql = `SELECT task_id, seq, at, type, ${select} FROM
        (SELECT task_id, seq, at, type, body::jsonb AS b FROM events WHERE ${range}) candidates
        WHERE ${condition} ORDER BY at LIMIT $6`;
      let rows: Row[];
      try {
        rows = (await this.#pool.query(sql, [type, ...bounds, stored(value), value, limit])).rows as Row[];
      } catch (error) {
        throw pgFailure(error, 'cannot search the journal', this.#url);
      }
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
      const path = query.path;
      await run(
        'tool-call-start',
        `b->>'tool' AS tool`,
        `b->'input'->>'path' = $5`,
        path,
        (row) => `${row.tool} ${path}`,
      );
    }
    if (query.host !== undefined) {
      const host = query.host;
      await run(
        'net-connect',
        `b->>'decision' AS decision, b->>'bytesUp' AS up, b->>'bytesDown' AS down`,
        `b->>'host' = $5`,
        host,
        (row) => `${host} ${row.decision}, ${row.up} B up, ${row.down} B down`,
      );
    }
    if (query.policy !== undefined) {
      const policy = query.policy;
      await run(
        'decision',
        `b->>'tool' AS tool, b->>'decision' AS decision`,
        `jsonb_typeof(b->'policyIds') = 'array' AND b->'policyIds' ? $5`,
        policy,
        (row) => `${row.tool}: ${row.decision} by ${policy}`,
      );
    }
    if (query.credential !== undefined) {
      await run(
        'credential-issued',
        `b->>'repository' AS repository, b->>'expiresAt' AS expires`,
        `(b->>'repository' = $5 OR (jsonb_typeof(b->'scope') = 'array' AND b->'scope' ? $5))`,
        query.credential,
        (row) => `task token for ${row.repository}, until ${row.expires}`,
      );
    }
    return mergeAuditMatches(found, limit);
  }
}
