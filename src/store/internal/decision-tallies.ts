import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { DecisionTallies, DecisionTally } from '../../spec/report-store.ts';

type Row = Record<string, SQLInputValue>;

/** What the policy decided, keyed per event, from the journal rows (the `events_type_at` index). */
const DECISIONS = `decision AS (
    SELECT events.task_id AS task_id, json_extract(events.body, '$.tool') AS tool,
      json_extract(events.body, '$.decision') AS decision, events.body AS body
    FROM events WHERE events.type = 'decision' AND events.at >= ?
      AND json_extract(events.body, '$.decision') IN ('allow', 'deny', 'ask'))`;

/** Who each task with a decision ran as: its first `task-start` event's agent, else who requested it. */
const TASK_AGENTS = `task_agent AS (
    SELECT tasks.id AS task_id, COALESCE(
      (SELECT CASE WHEN json_type(start.body, '$.agent') = 'text' THEN json_extract(start.body, '$.agent') END
       FROM events AS start WHERE start.task_id = tasks.id AND start.type = 'task-start' ORDER BY start.seq LIMIT 1),
      tasks.requested_by) AS agent
    FROM tasks WHERE tasks.id IN (SELECT task_id FROM decision))`;

/** The policy ids of a decision; `["(none)"]` when it names none (or not as a list). */
const POLICY_IDS = `CASE WHEN json_type(decision.body, '$.policyIds') = 'array'
    AND json_array_length(decision.body, '$.policyIds') > 0
  THEN json_extract(decision.body, '$.policyIds') ELSE '["(none)"]' END`;

/**
 * `ReportStore.decisionTallies` over the embedded store's journal: one aggregate query per dimension, each
 * reading only the `decision` events of the period through the index on (type, at).
 */
export function decisionTallies(database: DatabaseSync, sinceAt: string | undefined): DecisionTallies {
  // '' sorts before every ISO time: everything when no period is asked for.
  const since = sinceAt ?? '';
  const tallies = (sql: string) => {
    const byKey = new Map<string, DecisionTally>();
    for (const row of database.prepare(sql).all(since) as Row[]) {
      const key = String(row.tally_key);
      const tally = byKey.get(key) ?? { key, allow: 0, deny: 0, ask: 0 };
      tally[row.decision as 'allow' | 'deny' | 'ask'] += Number(row.count);
      byKey.set(key, tally);
    }
    return [...byKey.values()];
  };
  const byAgent = tallies(
    `WITH ${DECISIONS}, ${TASK_AGENTS}
     SELECT task_agent.agent AS tally_key, decision.decision AS decision, COUNT(*) AS count
     FROM decision JOIN task_agent ON task_agent.task_id = decision.task_id GROUP BY tally_key, decision.decision`,
  );
  const byTool = tallies(
    `WITH ${DECISIONS}
     SELECT COALESCE(tool, '(unknown)') AS tally_key, decision, COUNT(*) AS count FROM decision GROUP BY tally_key, decision`,
  );
  const byPolicy = tallies(
    `WITH ${DECISIONS}
     SELECT policy.value AS tally_key, decision.decision AS decision, COUNT(*) AS count
     FROM decision, json_each(${POLICY_IDS}) AS policy GROUP BY tally_key, decision.decision`,
  );
  const decisions = byTool.reduce((sum, tally) => sum + tally.allow + tally.deny + tally.ask, 0);
  return { decisions, byAgent, byTool, byPolicy };
}
