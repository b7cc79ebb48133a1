/**
 * A fleet worker's lease on a running task (see `Task.leaseUntil`), and the index the sweep that finds
 * passed leases reads: only running tasks with a lease are in it.
 */
export const TASK_LEASES = `ALTER TABLE tasks ADD COLUMN lease_until TEXT COLLATE "C";
   CREATE INDEX tasks_running_leases ON tasks (lease_until) WHERE status = 'running' AND lease_until IS NOT NULL;`;
