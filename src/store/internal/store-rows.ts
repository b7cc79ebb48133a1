import type { EventType, JournalEvent } from '../../spec/journal-events.ts';
import type { JournalCheckpoint, TaskUpdate } from '../../spec/store.ts';
import type { StopReason, Task, TaskOwner, TaskStatus } from '../../spec/types.ts';

/**
 * The row shapes both engines share (`SqliteStore`, `PgStore`): the same tables, columns and stored
 * JSON, so a task, an event or a checkpoint reads back the same from either.
 */
type Row = Record<string, unknown>;

/** The journal fields kept in their own columns; everything else is in `body`. */
export const EVENT_COLUMNS = ['taskId', 'seq', 'type', 'at', 'prevHash', 'hash'] as const;

/** The column of each field a task update may set. */
export const UPDATE_COLUMNS: Record<keyof TaskUpdate, string> = {
  status: 'status',
  stopReason: 'stop_reason',
  branch: 'branch',
  steps: 'steps',
  costUsd: 'cost_usd',
  endedAt: 'ended_at',
  owner: 'owner',
  resumableUntil: 'resumable_until',
  leaseUntil: 'lease_until',
};

export function toTask(row: Row): Task {
  return {
    id: row.id as string,
    prompt: row.prompt as string,
    repo: row.repo as string,
    baseCommit: row.base_commit as string,
    model: row.model as string,
    requestedBy: row.requested_by as string,
    status: row.status as TaskStatus,
    stopReason: (row.stop_reason as StopReason | null) ?? null,
    branch: (row.branch as string | null) ?? null,
    steps: Number(row.steps),
    costUsd: Number(row.cost_usd),
    createdAt: row.created_at as string,
    endedAt: (row.ended_at as string | null) ?? null,
    headSeq: Number(row.head_seq),
    headHash: row.head_hash as string,
    owner: row.owner ? (JSON.parse(row.owner as string) as TaskOwner) : null,
    resumableUntil: (row.resumable_until as string | null) ?? null,
    leaseUntil: (row.lease_until as string | null) ?? null,
  };
}

export function toCheckpoint(row: Row): JournalCheckpoint {
  const body = JSON.parse(row.body as string) as Omit<JournalCheckpoint, 'hash' | 'signature'>;
  return { ...body, hash: row.hash as string, signature: row.signature as string };
}

/**
 * An event as `Journal.append` stored it, whose fields were checked against its type's then. The body is
 * returned exactly as stored (its hash covers it); an edited one fails `Journal.verify`, and a type this
 * version does not know reads as it is and matches no reader's case.
 */
export function toEvent(row: Row): JournalEvent {
  return {
    ...(JSON.parse(row.body as string) as Record<string, unknown>),
    taskId: row.task_id as string,
    seq: Number(row.seq),
    type: row.type as EventType,
    at: row.at as string,
    prevHash: row.prev_hash as string,
    hash: row.hash as string,
  } as JournalEvent;
}
