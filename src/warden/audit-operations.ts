import type { ChainVerification } from '../journal/index.ts';
import type { AuditMatch, AuditQuery } from '../spec/audit-search.ts';
import type { Task } from '../spec/types.ts';
import { type AuditReport, auditOf } from './audit.ts';
import { forgeTarget } from './forge-target.ts';
import type { SharedParts } from './task-runtime.ts';

/** The audit of `task`: its journal, the merge the forge reported, and where its branch was pushed. */
export async function auditTask(parts: SharedParts, task: Task): Promise<AuditReport> {
  const events = await parts.journal.events(task.id);
  const pull = await parts.stores.pullOutcomes.get(task.id);
  const merged = pull?.state.startsWith('accepted-') ? pull.mergeCommit : null;
  const start = events[0]?.type === 'task-start' ? events[0] : undefined;
  return auditOf(task, events, { merged, forge: forgeTarget(parts.config, start?.trigger?.repository) });
}

/** Verifies the journals of the given tasks (all when none is given), first broken event first. */
export async function verifyJournals(
  parts: SharedParts,
  tasks: readonly Task[],
): Promise<Array<{ taskId: string; verification: ChainVerification }>> {
  const results: Array<{ taskId: string; verification: ChainVerification }> = [];
  for (const task of tasks)
    results.push({ taskId: task.id, verification: await parts.journal.verify(task.id) });
  return results;
}

/** Events across every task that answer an audit question (see `AuditSearch`). */
export function searchAudit(parts: SharedParts, query: AuditQuery): Promise<AuditMatch[]> {
  return parts.stores.audit.searchEvents(query);
}
