import type { DecisionTallies, DecisionTally } from '../../spec/report-store.ts';
import type { PgQueries } from './pg-queries.ts';

/**
 * The period's counted decisions (`$1`: its start, `''` for everything), read through the index on
 * (type, at) and parsed once each: a body is stored as text (its hash covers the bytes).
 */
const DECISIONS = `decision AS MATERIALIZED (
    SELECT task_id, body->>'tool' AS tool, body->>'decision' AS decision, body
    FROM (SELECT task_id, body::jsonb AS body FROM events WHERE type = 'decision' AND at >= $1) AS event
    WHERE body->>'decision' IN ('allow', 'deny', 'ask'))`;

/** Who each task with a decision ran as: its first `task-start` event's agent (a string), else who requested it. */
const TASK_AGENTS = `task_agent AS (
    SELECT tasks.id AS task_id, COALESCE(
      (SELECT CASE WHEN jsonb_typeof(start.body::jsonb -> 'agent') = 'string' THEN start.body::jsonb ->> 'agent' END
       FROM events AS start WHERE start.task_id = tasks.id AND start.type = 'task-start' ORDER BY start.seq LIMIT 1),
      tasks.requested_by) AS agent
    FROM tasks WHERE tasks.id IN (SELECT task_id FROM decision))`;

/** The policy ids of a decision; `["(none)"]` when it names none (or not as a list). */
const POLICY_IDS = `CASE WHEN jsonb_typeof(decision.body -> 'policyIds') = 'array'
    AND jsonb_array_length(decision.body -> 'policyIds') > 0
  THEN decision.body -> 'policyIds' ELSE '["(none)"]'::jsonb END`;

/**
 * `ReportStore.decisionTallies` over a fleet's journal in PostgreSQL, in one query as SQLite's: the
 * period's `decision` events are counted per agent, tool, decision and list of policies, a few rows, which
 * are then counted per dimension.
 *
 * @throws SystemError `store-failed` when the journal cannot be read (a body that is not JSON included,
 *   as in SQLite).
 */
export async function pgDecisionTallies(
  queries: PgQueries,
  sinceAt: string | undefined,
): Promise<DecisionTallies> {
  const byDimension = {
    agent: new Map<string, DecisionTally>(),
    tool: new Map(),
    policy: new Map(),
  } satisfies Record<string, Map<string, DecisionTally>>;
  // '' sorts before every ISO time: everything when no period is asked for.
  const rows = await queries.rows(
    'the policy statistics cannot be read',
    `WITH ${DECISIONS}, ${TASK_AGENTS},
     grouped AS MATERIALIZED (
       SELECT task_agent.agent AS agent, COALESCE(decision.tool, '(unknown)') AS tool,
         decision.decision AS decision, ${POLICY_IDS} AS policy_ids, COUNT(*) AS count
       FROM decision JOIN task_agent ON task_agent.task_id = decision.task_id
       GROUP BY 1, 2, 3, 4)
     SELECT 'agent' AS dimension, agent AS tally_key, decision, SUM(count) AS count FROM grouped
       GROUP BY agent, decision
     UNION ALL
     SELECT 'tool', tool, decision, SUM(count) FROM grouped GROUP BY tool, decision
     UNION ALL
     SELECT 'policy', policy.value, grouped.decision, SUM(grouped.count)
       FROM grouped, jsonb_array_elements_text(grouped.policy_ids) AS policy (value)
       GROUP BY policy.value, grouped.decision`,
    [sinceAt ?? ''],
  );
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
