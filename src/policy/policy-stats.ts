import type { JournalEvent } from '../spec/journal-events.ts';
import type { DecisionTallies, DecisionTally } from '../spec/report-store.ts';
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
 * after `since` (all of them when `since` is `undefined`), read from the journals one event at a time.
 * The store counts the same in one query: `ReportStore.decisionTallies`, then `policyStatsOf`.
 */
export function policyStats(journals: readonly JournalOfTask[], since?: Date): PolicyStats {
  const tables = {
    agent: new Map<string, DecisionTally>(),
    tool: new Map<string, DecisionTally>(),
    policy: new Map<string, DecisionTally>(),
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
      count(tables.tool, event.tool ?? '(unknown)', decision);
      // Read from the store, where an edited row may hold anything (verification reports it, not this).
      const policyIds =
        Array.isArray(event.policyIds) && event.policyIds.length > 0 ? event.policyIds : ['(none)'];
      for (const id of policyIds) count(tables.policy, id, decision);
    }
  }
  return policyStatsOf({
    decisions,
    byAgent: [...tables.agent.values()],
    byTool: [...tables.tool.values()],
    byPolicy: [...tables.policy.values()],
  });
}

/** The statistics of decisions already counted (by the store): rates, most decisions first. */
export function policyStatsOf(tallies: DecisionTallies): PolicyStats {
  const sorted = (table: readonly DecisionTally[]) =>
    table
      .map(({ key, allow, deny, ask }): DecisionCounts => {
        const total = allow + deny + ask;
        return { key, total, allow, deny, ask, rejectionRate: deny / total, askRate: ask / total };
      })
      .sort((left, right) => right.total - left.total || left.key.localeCompare(right.key));
  return {
    decisions: tallies.decisions,
    byAgent: sorted(tallies.byAgent),
    byTool: sorted(tallies.byTool),
    byPolicy: sorted(tallies.byPolicy),
  };
}

function count(table: Map<string, DecisionTally>, key: string, decision: DecisionKind): void {
  const tally = table.get(key) ?? { key, allow: 0, deny: 0, ask: 0 };
  tally[decision] += 1;
  table.set(key, tally);
}
