import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fillReports,
  REPORT_START,
  type ReportSources,
  rawEntrySql,
  referenceReport,
  sortedGroups,
} from '../testing/report-store-fixtures.ts';
import { MIGRATIONS } from './migrations.ts';
import { SqliteOutcomeStore } from './outcome-store.ts';
import { SqliteReportStore } from './report-store.ts';
import { SqliteSpendStore } from './spend-store.ts';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';

// What every engine answers is in the report store conformance suite (src/testing); here, what only the
// SQLite file can hold: rollups built by a migration over an older file, and amounts of the wrong type.

const AGENTS = ['fixer', 'reviewer', null];

let store: SqliteStore;

beforeEach(() => {
  store = openSqliteStore(':memory:');
});
afterEach(() => store.close());

/** The stores of `opened`'s database, as the fixtures fill and check them. */
function sourcesOf(opened: SqliteStore): ReportSources & { reports: SqliteReportStore } {
  const database = opened.database;
  return {
    store: opened,
    spend: new SqliteSpendStore(database),
    outcomes: new SqliteOutcomeStore(database),
    reports: new SqliteReportStore(database),
    execute: async (sql) => database.exec(sql),
  };
}

describe('SqliteReportStore.costSummary', () => {
  it('sums the entries of a store written before the reports were aggregated', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'warden-reports-')), 'old.db');
    const old = new DatabaseSync(file);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    for (const [index, migration] of MIGRATIONS.slice(0, 6).entries()) {
      old.exec(migration);
      old
        .prepare('INSERT INTO schema_migrations VALUES (?, ?)')
        .run(index + 1, new Date(REPORT_START).toISOString());
    }
    const insert = old.prepare(
      `INSERT INTO spend_entries (task_id, agent, day, at, price_key, price_table_version, tier, usd_nanos, tokens,
         input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, top_tier_nanos)
       VALUES (?, ?, ?, ?, ?, 'v', ?, ?, 10, ?, 5, 3, 1, 0, ?)`,
    );
    for (let index = 0; index < 60; index++) {
      const at = new Date(REPORT_START + index * 7_200_000).toISOString();
      insert.run(
        `old-${index % 7}`,
        AGENTS[index % 3] ?? null,
        at.slice(0, 10),
        at,
        `model-${index % 2}`,
        index % 4 === 0 ? null : 'mid',
        1_000 + index,
        index === 13 ? -4 : 10,
        index % 5 === 0 ? null : 9_000,
      );
    }
    old.close();
    const upgraded = openSqliteStore(file);
    try {
      store.close();
      store = upgraded;
      const sources = sourcesOf(upgraded);
      for (const groupBy of [undefined, 'agent', 'model', 'day'] as const) {
        const summary = await sources.reports.costSummary({ groupBy });
        const expected = await referenceReport(sources, undefined, groupBy);
        expect(sortedGroups(summary), `by ${groupBy}`).toEqual(expected.summary);
      }
      expect((await sources.reports.costSummary({})).total.spend.calls).toBe(59);
    } finally {
      rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('leaves out an amount stored as text or as a fraction, naming it with why', async () => {
    const sources = sourcesOf(store);
    await fillReports(sources, 4);
    await sources.execute(
      `${rawEntrySql('task-05', 3, { topTierNanos: '2.5' })}\n${rawEntrySql('task-06', 7, { usdNanos: "'lots'" })}`,
    );
    for (const sinceAt of [undefined, new Date(REPORT_START + 4.5 * 86_400_000).toISOString()]) {
      const unreadable: string[] = [];
      const summary = await sources.reports.costSummary({ sinceAt, groupBy: 'agent' }, (entry) =>
        unreadable.push(`${entry.taskId}: ${entry.reason}`),
      );
      const expected = await referenceReport(sources, sinceAt, 'agent');
      expect(sortedGroups(summary)).toEqual(expected.summary);
      expect(unreadable).toEqual(expected.unreadable.map((entry) => `${entry.taskId}: ${entry.reason}`));
      expect(unreadable).toContain('task-06: usd_nanos lots is not an integer between 0 and 2^53');
      if (sinceAt === undefined)
        expect(unreadable).toContain('task-05: top_tier_nanos 2.5 is not an integer between 0 and 2^53');
    }
  });
});
