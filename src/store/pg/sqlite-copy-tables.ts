/**
 * How each SQLite table lands in PostgreSQL when an installation is copied (`copySqliteToPg`): the
 * columns by name in both engines, and the few that differ (SQLite's migrations 0001–0011 against
 * PostgreSQL's 0001–0005). A migration that adds a column to either engine must add it here: the copy's
 * test compares this map with both live schemas.
 */

/** One column: its SQLite name, its PostgreSQL name, and the conversion between them, if any. */
export interface CopiedColumn {
  readonly from: string;
  readonly to: string;
  /**
   * `boolean`: SQLite's 0/1 integer into a `BOOLEAN`; `jsonb`: SQLite's JSON text into a `JSONB`;
   * `undefined`: the value as it is (integers exactly, as `BIGINT` text).
   */
  readonly convert?: 'boolean' | 'jsonb';
}

/** One table, named alike in both engines. */
export interface CopiedTable {
  readonly name: string;
  readonly columns: readonly CopiedColumn[];
  /** SQLite's `ORDER BY`: the order rows are inserted in (insertion order where PostgreSQL numbers rows). */
  readonly order: string;
  /** A PostgreSQL `GENERATED ALWAYS AS IDENTITY` column copied with SQLite's value; its sequence moves past it. */
  readonly identity?: string;
}

const same = (...names: string[]): CopiedColumn[] => names.map((name) => ({ from: name, to: name }));

/** Every table copied, parents before the rows that reference them. */
export const COPIED_TABLES: readonly CopiedTable[] = [
  {
    name: 'tasks',
    columns: same(
      'id',
      'prompt',
      'repo',
      'base_commit',
      'model',
      'requested_by',
      'status',
      'stop_reason',
      'branch',
      'steps',
      'cost_usd',
      'created_at',
      'ended_at',
      'head_seq',
      'head_hash',
      'owner',
      'resumable_until',
      'lease_until',
    ),
    order: 'id',
  },
  {
    name: 'events',
    columns: same('task_id', 'seq', 'type', 'at', 'prev_hash', 'hash', 'body'),
    order: 'task_id, seq',
  },
  { name: 'journal_checkpoints', columns: same('seq', 'at', 'body', 'hash', 'signature'), order: 'seq' },
  {
    name: 'journal_sealed_heads',
    columns: same('task_id', 'checkpoint_seq', 'head_seq', 'head_hash'),
    order: 'task_id',
  },
  {
    name: 'spend_windows',
    // `window` is a reserved word in PostgreSQL.
    columns: [
      { from: 'scope', to: 'scope' },
      { from: 'window', to: 'time_window' },
      ...same('spent_nanos', 'spent_tokens', 'held_nanos', 'held_tokens'),
    ],
    order: 'scope, window',
  },
  {
    name: 'spend_reservations',
    columns: [
      { from: 'id', to: 'id' },
      { from: 'windows', to: 'windows', convert: 'jsonb' },
      ...same('nanos', 'tokens', 'state', 'created_at', 'expires_at'),
    ],
    order: 'rowid',
  },
  {
    name: 'spend_entries',
    columns: [
      ...same(
        'id',
        'reservation_id',
        'task_id',
        'agent',
        'team',
        'stage',
        'day',
        'at',
        'price_key',
        'price_table_version',
        'tier',
      ),
      { from: 'batch', to: 'batch', convert: 'boolean' },
      ...same(
        'usd_nanos',
        'tokens',
        'input_tokens',
        'output_tokens',
        'cache_read_tokens',
        'cache_write_tokens',
        'cache_write_1h_tokens',
        'top_tier_nanos',
      ),
    ],
    order: 'id',
    identity: 'id',
  },
  {
    name: 'task_outcomes',
    columns: same('task_id', 'outcome', 'agent', 'team', 'early_exit', 'day', 'at'),
    order: 'task_id',
  },
  {
    name: 'breakers',
    columns: same(
      'scope',
      'kind',
      'state',
      'reason',
      'opened_at',
      'closes_at',
      'trips',
      'updated_at',
      'probe_until',
    ),
    order: 'scope, kind',
  },
  {
    name: 'breaker_counters',
    columns: same('scope', 'kind', 'failures', 'outcomes', 'updated_at'),
    order: 'scope, kind',
  },
  { name: 'breaker_trips', columns: same('scope', 'source', 'at'), order: 'scope, source' },
  {
    name: 'approvals',
    columns: same(
      'id',
      'task_id',
      'kind',
      'tool',
      'input',
      'reasons',
      'policy_ids',
      'content_hash',
      'created_at',
      'expires_at',
      'status',
      'decided_by',
      'decided_at',
      'decision_reason',
    ),
    // PostgreSQL numbers approvals (`seq`) where SQLite breaks ties by rowid: insert in rowid order.
    order: 'rowid',
  },
  {
    name: 'actions',
    columns: same(
      'key',
      'task_id',
      'action',
      'parameters',
      'status',
      'result',
      'error',
      'started_at',
      'ended_at',
    ),
    order: 'key',
  },
  {
    name: 'pull_requests',
    columns: same(
      'repository',
      'number',
      'head',
      'base',
      'title',
      'body',
      'state',
      'reviewers',
      'created_at',
      'updated_at',
    ),
    order: 'repository, number',
  },
  {
    name: 'pull_request_comments',
    columns: same('id', 'repository', 'number', 'body', 'created_at'),
    order: 'id',
    identity: 'id',
  },
  {
    name: 'model_batches',
    columns: same('request_hash', 'vendor', 'batch_id', 'status', 'created_at', 'ended_at'),
    order: 'request_hash',
  },
  {
    name: 'webhook_deliveries',
    columns: same(
      'delivery_id',
      'source',
      'event',
      'repository',
      'subject',
      'received_at',
      'outcome',
      'task_id',
      'replays',
      'last_replay_at',
      'occurred_at',
    ),
    order: 'delivery_id',
  },
  {
    name: 'pull_outcomes',
    columns: same(
      'task_id',
      'repository',
      'number',
      'url',
      'opened_at',
      'state',
      'changes_requested',
      'human_commits',
      'merge_commit',
      'closed_at',
      'reverted_at',
    ),
    order: 'task_id',
  },
];

/** SQLite tables left behind, and why. */
export const UNCOPIED_SQLITE_TABLES: Readonly<Record<string, string>> = {
  schema_migrations: 'each engine records its own migrations',
  spend_rollups: "SQLite's report sums, kept by triggers; PostgreSQL sums the spend entries themselves",
};

/** PostgreSQL columns no SQLite column fills, and why. */
export const UNFILLED_PG_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  // Numbered by the server as the rows go in, in SQLite's rowid order.
  approvals: ['seq'],
};
