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

/** A decision by a policy bundle: which bundle (its content hash) made it, for the journal. */
export interface PolicyDecision extends Decision {
  /** SHA-256 (hex) over the bundle's schema, policies and entities. */
  bundleHash: string;
}

/** A resource of a policy request: `{ type: 'Branch', id: 'warden/fix-1' }`. */
export interface PolicyResource {
  type: 'Repository' | 'Path' | 'Host' | 'Branch' | 'Command';
  id: string;
}

/**
 * A request about an external effect that is not a tool call (a push, a pull request, a deploy, a
 * credential): the action name (`forge.push`), what it touches, and the facts the caller derived. The
 * context must match the bundle schema's context for that action, or the request is denied.
 */
export interface ActionRequest {
  action: string;
  resource: PolicyResource;
  context: Readonly<Record<string, unknown>>;
}

/** A policy engine: decides tool calls (as every `PolicyDecider`) and external actions. */
export interface PolicyEngine extends PolicyDecider {
  decide(call: ToolCall): Promise<PolicyDecision>;
  decideAction(request: ActionRequest): Promise<PolicyDecision>;
}
