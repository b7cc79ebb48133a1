/**
 * A fleet worker's lease on a task (see `Task.leaseUntil`), and the index the sweep for passed leases
 * reads: only leased tasks are in it.
 */
export const TASK_LEASES = `ALTER TABLE tasks ADD COLUMN lease_until TEXT;
   CREATE INDEX tasks_leases ON tasks (lease_until) WHERE lease_until IS NOT NULL;`;
