import type { PolicyEngine } from '../spec/policy.ts';
import type { DecisionKind, ToolCall } from '../spec/types.ts';
import type { JournalOfTask } from './policy-stats.ts';

/** One recorded call whose decision would change. */
export interface BacktestExample {
  taskId: string;
  toolCallId: string;
  tool: string;
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
 * Replays recorded tool calls against a candidate engine: every `tool-call-start` (its `input`) paired
 * with the `decision` event of the same `toolCallId`, decided again. `engineFor` builds the engine for a
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
      if (
        event.type === 'decision' &&
        typeof event.toolCallId === 'string' &&
        typeof event.decision === 'string'
      ) {
        recorded.set(event.toolCallId, event.decision as DecisionKind);
      }
    }
    const engine = engineFor(journal);
    for (const event of journal.events) {
      if (
        event.type !== 'tool-call-start' ||
        typeof event.toolCallId !== 'string' ||
        typeof event.tool !== 'string'
      )
        continue;
      if (options.since !== undefined && new Date(event.at) < options.since) continue;
      const before = recorded.get(event.toolCallId);
      if (before === undefined) continue;
      const call: ToolCall = { id: event.toolCallId, name: event.tool, input: event.input };
      const after = await engine.decide(call);
      report.replayed += 1;
      if (after.decision === before) {
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
          toolCallId: event.toolCallId,
          tool: event.tool,
          input: event.input,
          before,
          after: after.decision,
          policyIds: after.policyIds,
          reasons: after.reasons,
        });
      }
    }
  }
  return report;
}
