/** A fleet worker's lease on a running task (see `Task.leaseUntil`); null where no worker leases it. */
export const TASK_LEASES = 'ALTER TABLE tasks ADD COLUMN lease_until TEXT;';
