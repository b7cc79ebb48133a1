import type { Decision, ToolCall } from './types.ts';

/**
 * Decides whether a tool call may run: `allow`, `deny` or `ask` (a human must approve). The fixed rule
 * set of the walking skeleton and the Cedar policy engine both implement it. Implementations fail
 * closed: when they cannot decide, they deny.
 */
export interface PolicyDecider {
  /** A name for the journal: which rule set or bundle decided. */
  readonly name: string;
  decide(call: ToolCall): Promise<Decision>;
}
