import type { PolicyEngine } from '../spec/policy.ts';
import type { Decision, DecisionKind, ToolCall } from '../spec/types.ts';
import { asActionDecider } from './action-decider.ts';
import type { JournalOfTask } from './policy-stats.ts';

/** One recorded call or action whose decision would change. */
export interface BacktestExample {
  taskId: string;
  /** The tool call's id; for an external action, `action@SEQ` (the decision event's position). */
  toolCallId: string;
  /** The tool, or the action (`forge.push`). */
  tool: string;
  /** The tool's input, or the action's policy request. */
  input: unknown;
  before: DecisionKind;
  after: DecisionKind;
  policyIds: string[];
  reasons: string[];
}

export interface BacktestReport {
  replayed: number;
  unchanged: number;
  newlyDenied: { count: number; examples: BacktestExample[] };
  newlyAsked: { count: number; examples: BacktestExample[] };
  newlyAllowed: { count: number; examples: BacktestExample[] };
}

/**
 * Replays recorded tool calls and actions against a candidate engine: every `tool-call-start` (its
 * `input`) paired with the `decision` event of the same `toolCallId`, and every action's `decision`
 * event (it carries the gateway's request), decided again. `engineFor` builds the engine for a
 * task (its agent); `since` skips older calls; `examples` caps the examples kept per kind.
 */
export async function backtestPolicy(
  journals: ReadonlyArray<JournalOfTask & { taskId: string }>,
  engineFor: (journal: JournalOfTask) => PolicyEngine,
  options: { since?: Date | undefined; examples?: number } = {},
): Promise<BacktestReport> {
  const limit = options.examples ?? 5;
  const report: BacktestReport = {
    replayed: 0,
    unchanged: 0,
    newlyDenied: { count: 0, examples: [] },
    newlyAsked: { count: 0, examples: [] },
    newlyAllowed: { count: 0, examples: [] },
  };
  for (const journal of journals) {
    const recorded = new Map<string, DecisionKind>();
    for (const event of journal.events) {
      if (event.type === 'decision' && event.toolCallId !== undefined) {
        recorded.set(event.toolCallId, event.decision);
      }
    }
    const engine = engineFor(journal);
    const actions = asActionDecider(engine);
    for (const event of journal.events) {
      if (options.since !== undefined && new Date(event.at) < options.since) continue;
      let replay: { id: string; tool: string; input: unknown; before: DecisionKind } | undefined;
      let after: Decision;
      if (event.type === 'tool-call-start') {
        const before = recorded.get(event.toolCallId);
        if (before === undefined) continue;
        replay = { id: event.toolCallId, tool: event.tool, input: event.input, before };
        const call: ToolCall = { id: event.toolCallId, name: event.tool, input: event.input };
        after = await engine.decide(call);
      } else if (event.type === 'decision' && event.action !== undefined) {
        const { request } = event;
        replay = {
          id: `${event.action}@${event.seq}`,
          tool: event.action,
          input: request,
          before: event.decision,
        };
        after = await actions.decideAction(request).catch((error: unknown) => ({
          decision: 'deny' as const,
          reasons: [`policy could not decide: ${(error as Error).message}`],
          policyIds: [],
        }));
      } else {
        continue;
      }
      report.replayed += 1;
      if (after.decision === replay.before) {
        report.unchanged += 1;
        continue;
      }
      const bucket =
        after.decision === 'deny'
          ? report.newlyDenied
          : after.decision === 'ask'
            ? report.newlyAsked
            : report.newlyAllowed;
      bucket.count += 1;
      if (bucket.examples.length < limit) {
        bucket.examples.push({
          taskId: journal.taskId,
          toolCallId: replay.id,
          tool: replay.tool,
          input: replay.input,
          before: replay.before,
          after: after.decision,
          policyIds: after.policyIds,
          reasons: after.reasons,
        });
      }
    }
  }
  return report;
}
