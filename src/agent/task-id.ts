import { randomBytes } from 'node:crypto';

/**
 * A new task id: the UTC time to the second and four random hex digits (`t20261124-175301-9f2a`), so ids
 * sort by creation, read well in a branch name and are unique across processes.
 */
export function newTaskId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `t${stamp}-${randomBytes(2).toString('hex')}`;
}
