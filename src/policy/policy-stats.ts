import type { JournalEvent } from '../spec/journal-events.ts';
import type { DecisionKind } from '../spec/types.ts';

/** Counts of decisions for one key (an agent, a tool or a policy). */
export interface DecisionCounts {
  key: string;
  total: number;
  allow: number;
  deny: number;
  ask: number;
  /** deny / total */
  rejectionRate: number;
  /** ask / total */
  askRate: number;
}

export interface PolicyStats {
  decisions: number;
  byAgent: DecisionCounts[];
  byTool: DecisionCounts[];
  byPolicy: DecisionCounts[];
}

/** A task's journal with who ran it, as `policyStats` reads it. */
export interface JournalOfTask {
  agent: string;
  events: readonly JournalEvent[];
}

/**
 * Rejection and ask rates per agent, tool and policy over `decision` journal events recorded at or
 * after `since` (all of them when `since` is `undefined`).
 */
export function policyStats(journals: readonly JournalOfTask[], since?: Date): PolicyStats {
  const tables = {
    agent: new Map<string, DecisionCounts>(),
    tool: new Map<string, DecisionCounts>(),
    policy: new Map<string, DecisionCounts>(),
  };
  let decisions = 0;
  for (const journal of journals) {
    for (const event of journal.events) {
      if (event.type !== 'decision' || (since !== undefined && new Date(event.at) < since)) continue;
      const decision = event.decision;
      // A decision the engine did not make (an edited or unknown value) is not counted as one it did.
      if (decision !== 'allow' && decision !== 'deny' && decision !== 'ask') continue;
      decisions += 1;
      count(tables.agent, journal.agent, decision);
      count(tables.tool, event.tool, decision);
      // Read from the store, where an edited row may hold anything (verification reports it, not this).
      const policyIds =
        Array.isArray(event.policyIds) && event.policyIds.length > 0 ? event.policyIds : ['(none)'];
      for (const id of policyIds) count(tables.policy, id, decision);
    }
  }
  const sorted = (table: Map<string, DecisionCounts>) =>
    [...table.values()]
      .map((counts) => ({
        ...counts,
        rejectionRate: counts.deny / counts.total,
        askRate: counts.ask / counts.total,
      }))
      .sort((left, right) => right.total - left.total || left.key.localeCompare(right.key));
  return {
    decisions,
    byAgent: sorted(tables.agent),
    byTool: sorted(tables.tool),
    byPolicy: sorted(tables.policy),
  };
}

function count(table: Map<string, DecisionCounts>, key: string, decision: DecisionKind): void {
  const counts = table.get(key) ?? { key, total: 0, allow: 0, deny: 0, ask: 0, rejectionRate: 0, askRate: 0 };
  counts.total += 1;
  counts[decision] += 1;
  table.set(key, counts);
}
