import { TASKS_AND_EVENTS } from './migrations/0001-tasks-and-events.ts';
import { SPEND_AND_BREAKERS } from './migrations/0002-spend-and-breakers.ts';
import { APPROVALS_AND_ACTIONS } from './migrations/0003-approvals-and-actions.ts';
import { MODEL_BATCHES } from './migrations/0004-model-batches.ts';
import { JOURNAL_HEADS_AND_CHECKPOINTS } from './migrations/0005-journal-heads-and-checkpoints.ts';
import { BREAKER_COUNTERS } from './migrations/0006-breaker-counters.ts';
import { REPORT_INDEXES_AND_COMPACTION } from './migrations/0007-report-indexes-and-compaction.ts';
import { WEBHOOK_DELIVERIES } from './migrations/0008-webhook-deliveries.ts';
import { PULL_OUTCOMES } from './migrations/0009-pull-outcomes.ts';
import { ALERT_TIMES } from './migrations/0010-alert-times.ts';
import { TASK_LEASES } from './migrations/0011-task-leases.ts';

/**
 * Schema migrations for the embedded store, applied in order, each in its own transaction. Each lives
 * in `migrations/NNNN-name.ts`. Append new migrations; never edit one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  TASKS_AND_EVENTS,
  SPEND_AND_BREAKERS,
  APPROVALS_AND_ACTIONS,
  MODEL_BATCHES,
  JOURNAL_HEADS_AND_CHECKPOINTS,
  BREAKER_COUNTERS,
  REPORT_INDEXES_AND_COMPACTION,
  WEBHOOK_DELIVERIES,
  PULL_OUTCOMES,
  ALERT_TIMES,
  TASK_LEASES,
];
