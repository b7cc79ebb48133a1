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
 * `ReportStore.decisionTallies` over the embedded store's journal, in one query and one pass over the
 * period's `decision` events (through the index on (type, at)): they are first counted per agent, tool,
 * decision and list of policies, a few rows, which are then counted per dimension.
 */
export function decisionTallies(database: DatabaseSync, sinceAt: string | undefined): DecisionTallies {
  const byDimension = {
    agent: new Map<string, DecisionTally>(),
    tool: new Map(),
    policy: new Map(),
  } satisfies Record<string, Map<string, DecisionTally>>;
  // '' sorts before every ISO time: everything when no period is asked for.
  const rows = database
    .prepare(
      `WITH ${DECISIONS}, ${TASK_AGENTS},
       grouped AS MATERIALIZED (
         SELECT task_agent.agent AS agent, COALESCE(decision.tool, '(unknown)') AS tool,
           decision.decision AS decision, ${POLICY_IDS} AS policy_ids, COUNT(*) AS count
         FROM decision JOIN task_agent ON task_agent.task_id = decision.task_id
         GROUP BY agent, tool, decision.decision, policy_ids)
       SELECT 'agent' AS dimension, agent AS tally_key, decision, SUM(count) AS count FROM grouped
         GROUP BY agent, decision
       UNION ALL
       SELECT 'tool', tool, decision, SUM(count) FROM grouped GROUP BY tool, decision
       UNION ALL
       SELECT 'policy', policy.value, grouped.decision, SUM(grouped.count)
         FROM grouped, json_each(grouped.policy_ids) AS policy GROUP BY policy.value, grouped.decision`,
    )
    .all(sinceAt ?? '') as Row[];
  let decisions = 0;
  for (const row of rows) {
    const table = byDimension[row.dimension as keyof typeof byDimension];
    const key = String(row.tally_key);
    const tally = table.get(key) ?? { key, allow: 0, deny: 0, ask: 0 };
    tally[row.decision as 'allow' | 'deny' | 'ask'] += Number(row.count);
    table.set(key, tally);
    if (row.dimension === 'tool') decisions += Number(row.count);
  }
  return {
    decisions,
    byAgent: [...byDimension.agent.values()],
    byTool: [...byDimension.tool.values()],
    byPolicy: [...byDimension.policy.values()],
  };
}
