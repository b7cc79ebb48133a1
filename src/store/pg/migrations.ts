import { TASKS_EVENTS_AND_CHECKPOINTS } from './migrations/0001-tasks-and-events.ts';
import { SPEND_AND_BREAKERS } from './migrations/0002-spend-and-breakers.ts';
import { APPROVALS_ACTIONS_AND_OUTCOMES } from './migrations/0003-approvals-actions-and-outcomes.ts';
import { TASK_LEASES } from './migrations/0004-task-leases.ts';
import { REPORT_INDEXES } from './migrations/0005-report-indexes.ts';

/**
 * Schema migrations for the PostgreSQL store, applied in order at open, each in its own transaction and
 * recorded in `schema_migrations`. Its numbering is its own (not SQLite's). Append new migrations; never
 * edit one that has shipped.
 */
export const PG_MIGRATIONS: readonly string[] = [
  TASKS_EVENTS_AND_CHECKPOINTS,
  SPEND_AND_BREAKERS,
  APPROVALS_ACTIONS_AND_OUTCOMES,
  TASK_LEASES,
  REPORT_INDEXES,
];
