/**
 * The approval inbox: when policy answers `ask`, the task pauses and a request for a human decision is
 * filed here. A request covers exactly one call (its content hash), once: a changed call, or the same
 * call a second time, needs a new request.
 */

/**
 * Where a request stands. `expired` is computed: a request past `expiresAt` is never approved. `used`:
 * approved, and the one call it covers has been let through; it grants nothing more.
 */
export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired' | 'used';

/** What is being asked for: a tool call of the model, or an external action of the gateway. */
export type ApprovalSubject =
  | { kind: 'tool'; tool: string; input: unknown }
  | { kind: 'action'; action: string; parameters: unknown };

/** A filed approval request, as the store returns it. */
export interface ApprovalRequest {
  id: string;
  taskId: string;
  kind: ApprovalSubject['kind'];
  /** The tool name (`shell`) or the action name (`deploy`). */
  tool: string;
  /** The exact tool input or action parameters the request covers. */
  input: unknown;
  /** Why it was asked, in one line (the policy reasons joined). */
  reason: string;
  /** Why it was asked, one entry per policy that spoke. */
  reasons: string[];
  policyIds: string[];
  /** SHA-256 (hex) of the RFC 8785 canonical JSON of the subject. */
  contentHash: string;
  createdAt: string;
  /** After this instant the request (and an approval it received) no longer counts. */
  expiresAt: string;
  status: ApprovalState;
  /** Who approved or denied it; `null` while undecided. */
  decidedBy: string | null;
  decidedAt: string | null;
  /** The reason the human gave with the decision; `null` when none was given. */
  decisionReason: string | null;
}

/** What the caller supplies to file a request; the store fills in the rest. */
export interface NewApprovalRequest {
  taskId: string;
  subject: ApprovalSubject;
  reasons: string[];
  policyIds: string[];
}

/** A human's decision on a request. */
export interface ApprovalDecisionInput {
  approve: boolean;
  by: string;
  reason?: string;
}

export interface ApprovalFilter {
  taskId?: string;
  /** Only requests in this (effective) state. Undefined: every state. */
  status?: ApprovalState;
  /** Newest first; at most this many (default 100). */
  limit?: number;
}

/**
 * Durable storage of approval requests. The embedded implementation shares the SQLite file of the store.
 */
export interface ApprovalStore {
  /** Files a new pending request. */
  file(request: NewApprovalRequest): Promise<ApprovalRequest>;
  /** `undefined` when no request has this id. */
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** The newest request of the task for exactly this content; `undefined` when there is none. */
  findApproval(taskId: string, contentHash: string): Promise<ApprovalRequest | undefined>;
  list(filter?: ApprovalFilter): Promise<ApprovalRequest[]>;
  /**
   * Spends an approval on the call it covers: an approved, unexpired request becomes `used`. Returns
   * false (and changes nothing) when the request is not approved or no longer valid, so two callers
   * cannot both spend it.
   */
  consume(id: string): Promise<boolean>;
  /**
   * Approves or denies a pending request.
   * @throws UserError `approval-not-found` for an unknown id, `approval-decided` when it was already
   *   decided, `approval-expired` when it expired before the decision.
   */
  decide(id: string, decision: ApprovalDecisionInput): Promise<ApprovalRequest>;
}

/**
 * The answer of the inbox for one call: the same shape as the agent loop's `ApprovalStatus`, so the
 * inbox can serve as its approval gate.
 */
export type ApprovalOutcome =
  | { status: 'approved'; approvalId: string; by: string }
  | { status: 'denied'; approvalId: string; by: string; reason: string }
  | { status: 'pending'; approvalId: string };
