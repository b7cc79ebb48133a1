import type { ActionDecisionRequest, ActionName } from './actions.ts';
import type { ApprovalState } from './approvals.ts';
import type { ContextSource } from './provenance.ts';
import type { EgressConnection } from './sandbox.ts';
import type {
  Decision,
  NormalizedUsage,
  StopReason,
  TaskOwner,
  TaskStatus,
  ToolCall,
  Verification,
} from './types.ts';

/**
 * The journal's event types and the fields each carries, besides the common ones (`JournalEventBase`).
 * This map is the stored format: what `Journal.append` accepts and what readers get back. Events are
 * hashed as stored, so a field's name or meaning never changes; a new field is added as optional (old
 * journals lack it) and a new shape gets a new event type.
 *
 * A field typed `?: X | undefined` may be left out: `undefined` is dropped when the event is stored.
 */
export interface JournalEventFields {
  /** The task was created and its run begins. The first event of every journal. */
  'task-start': {
    /** What the agent was asked to do, in the user's words. */
    prompt: string;
    /** Absolute path of the user's repository. */
    repo: string;
    baseCommit: string;
    /** The model as people read it (`anthropic:claude-haiku-4-5`, `scripted:…`). */
    model: string;
    requestedBy: string;
    /** The agent and team every call is charged to. */
    agent: string;
    team: string;
    /** How far policies trust the agent (0–3); absent in journals from before it was recorded. */
    trustTier?: number | undefined;
    /** `false` when the run was asked not to save its change as a branch. */
    createBranch: boolean;
    /** What started it without a person (a webhook); absent for a task a person started. */
    trigger?: TaskTrigger | undefined;
    /** Shadow mode: the result is stored and shown, never pushed or posted; absent otherwise. */
    shadow?: true | undefined;
    /**
     * The limits the task runs under for life (`TaskLimits` of `agent/task-limits.ts`). Kept `unknown`
     * here because a resume must parse it (`recordedLimits`), never trust it: older journals lack it.
     */
    limits: unknown;
  };
  /** The private workspace is cloned and the sandbox chosen. */
  'workspace-ready': {
    baseCommit: string;
    /** The user's checkout had uncommitted changes, which the task does not see. */
    dirty: boolean;
    /** The sandbox driver's name (`bubblewrap`). */
    sandbox: string;
    /**
     * The check the task runs when the model finishes (`null`: none, so the result stays unverified);
     * absent in journals from before verification.
     */
    check?: JournaledCheck | null | undefined;
    /** Which toolchain commands run (`node v22.1.0 (host, /usr/bin/node)`); absent when unknown. */
    toolchain?: string | undefined;
    note?: string | undefined;
  };
  /** One deterministic pre-check ran before any model call. */
  'pre-check': {
    command: string;
    exitCode: number | null;
    timedOut: boolean;
    matched: boolean;
    /** How the task ends because the check matched; absent when it did not. */
    outcome?: 'already-done' | 'not-actionable' | undefined;
  };
  /**
   * Before the first model call, the agent's `localize` setting ranked the workspace's files for the
   * task and the result (files, their best-matching symbols and line ranges, at most `tokens` estimated
   * tokens) was put before the task in the first user message. A resume finds it here and sends the same
   * text.
   */
  'context-localized': {
    /** The files shown, best first, with the localizer's scores. */
    files: Array<{ path: string; score: number }>;
    /** Estimated tokens (characters / 4) of the text added to the first message. */
    tokens: number;
    /** The text added, verbatim, so a resume sends what this run sent. */
    text: string;
    /** How long the localization took (the rerank's call included). */
    durationMs: number;
    /** What the cheap model's rerank did (`agent.localize.rerank`); absent when none was asked for. */
    rerank?: LocalizationRerank | undefined;
  };
  /** A pipeline stage begins; the events up to its `stage-end` are its own. */
  'stage-start': {
    stage: string;
    /** Its place in the pipeline, from 1. */
    index: number;
    /** `command`: it runs `command`; `model`: a model loop on `model`. */
    kind: 'command' | 'model';
    command?: string | undefined;
    model?: string | undefined;
    /** A model stage's first message, as its model saw it: what a resume rebuilds its loop from. */
    prompt?: string | undefined;
  };
  /** A pipeline stage ended; a stage that did not pass ends the task. */
  'stage-end': {
    stage: string;
    /**
     * `passed`: its command met its expectation, or its loop finished (and its check, if any, passed);
     * anything else ended the task, as `stopReason` says.
     */
    status: 'passed' | 'ended-task';
    stopReason?: StopReason | undefined;
    /** Model calls the stage made. */
    steps: number;
    /** What its model calls cost, USD. */
    costUsd: number;
    /** A command stage's exit code. */
    exitCode?: number | null | undefined;
    detail: string;
    /** What a passed stage hands to the next ones (output, last words); a resume hands it again. */
    handoff?: string | undefined;
  };
  /** An orchestrator's planner made its plan: the subtasks, in the order their changes are applied. */
  plan: {
    subtasks: PlannedSubtask[];
  };
  /** A subtask's worker begins, in a workspace of its own; its events carry `child: subtask:ID`. */
  'subtask-start': {
    subtask: string;
    goal: string;
    check: string;
    dependsOn: string[];
    /** The commit its workspace starts from: the base, or its dependencies' changes applied on it. */
    startCommit: string;
    model: string;
  };
  /** A subtask ended: `passed` only when its worker finished and its check passed. */
  'subtask-end': {
    subtask: string;
    status: 'passed' | 'failed';
    stopReason: StopReason;
    /** Model calls its worker made. */
    steps: number;
    detail: string;
    /** The commit holding its change (in Warden's private git directory); absent when it changed nothing or failed. */
    commit?: string | undefined;
  };
  /** A swarm's role begins, in a workspace of its own; its events carry `child: role:NAME`. */
  'role-start': {
    role: string;
    startCommit: string;
    model: string;
    /** What the role was told: the task, its part and the swarm's rules (the localization first, when on). */
    prompt?: string | undefined;
  };
  /** A swarm's role ended: `passed` only when its loop finished (and its check, if any, passed). */
  'role-end': {
    role: string;
    status: 'passed' | 'failed';
    stopReason: StopReason;
    steps: number;
    detail: string;
    /** The commit holding its change (in Warden's private git directory); absent when it changed nothing or failed. */
    commit?: string | undefined;
  };
  /** A connection the sandbox made (or tried) through the egress proxy; the event's `at` is when it ended. */
  'net-connect': Omit<EgressConnection, 'at'>;
  /** A model call is about to be made, with the bound reserved for it. */
  'model-request': {
    /** The model call's number in the task, from 1. */
    step: number;
    model: string;
    priceKey: string;
    /** Messages in the conversation sent. */
    messages: number;
    estimatedInputTokens: number;
    maxOutputTokens: number;
    /** The worst case reserved before the call, in USD. */
    reservedUsd: number;
    /**
     * The spend ledger's reservation of this call: its booking carries the same id, so a call whose
     * answer was lost (the process died after paying, before journaling it) is still tied to its cost.
     */
    reservationId?: string | undefined;
  };
  /** The router picked, retried, fell back, skipped, escalated or gave up (`RouteDecision` of `model/`). */
  'route-decision': {
    step: number;
    kind: 'pick' | 'retry' | 'fallback' | 'skip' | 'escalate' | 'give-up';
    /** The model the decision leads to (its label). */
    model: string;
    /** `null` for a single model retried without the router. */
    tier: string | null;
    /** The attempt on that model, from 1. */
    attempt: number;
    reason: string;
    /** How long the router waits before the call, in milliseconds; 0 when it does not wait. */
    waitMs: number;
  };
  /** A model call answered: the reply as the model gave it (capped) and what it cost. */
  'model-response': {
    step: number;
    model: string;
    finishReason: string;
    /** The reply's text, cut (head and tail) when longer than the journal keeps. */
    text: string;
    /** The reply's full length when `text` was cut. */
    textChars?: number | undefined;
    textTrimmed?: true | undefined;
    toolCalls: JournaledToolCall[];
    /** Tokens as Warden counts them (`input` without cache reads and writes). */
    usage: JournaledUsage;
    /** The usage exactly as the vendor reported it, so the call can be re-priced. */
    rawUsage: unknown;
    costUsd: number;
    priceKey: string;
    priceTableVersion: string;
    /** The call went through the vendor's batch API. */
    batch: boolean;
    latencyMs: number;
    /** The task's spend after this call, in USD. */
    spentUsd: number;
  };
  /** A reply reported impossible usage: booked at its reservation and counted as a provider error. */
  'usage-anomaly': UsageProblemFields & {
    usage: JournaledUsage;
    /** The cost the reply's usage claims; `null` when it is not a finite number. */
    claimedUsd: number | null;
  };
  /** A reply reported no usage: booked at its reservation. */
  'usage-missing': UsageProblemFields;
  /** The task's check ran after the model finished. */
  check: {
    step: number;
    /** The check's name (its command). */
    check: string;
    passed: boolean;
    summary: string;
    output: string;
  };
  /** Policy decided a tool call of the model, or an external action of the gateway. */
  decision: ToolDecisionFields | ActionDecisionFields;
  /** A tool call begins (or is refused: its `tool-call-end` then says why). */
  'tool-call-start': {
    toolCallId: string;
    tool: string;
    /** The parsed arguments; the raw text (capped) when they were not JSON. */
    input: unknown;
    /** Why the arguments could not be parsed; absent when they could. */
    inputError?: string | undefined;
    /** The approval this call runs under (used once); absent when policy allowed it. */
    approvalId?: string | undefined;
  };
  /** A tool call ended: what the model was shown. */
  'tool-call-end': {
    toolCallId: string;
    tool: string;
    /** The result as the model saw it, cut when longer than the task's output limit. */
    output: string;
    /** The result's full length. */
    outputChars: number;
    outputTrimmed: boolean;
    isError: boolean;
    /** A command's exit status; absent for tools that run no command. */
    exitCode?: number | null | undefined;
    durationMs: number;
    /** The call was cut off by the task's process dying and was not run again. */
    interrupted?: true | undefined;
    /** The approval this call ran under; absent when policy allowed it. */
    approvalId?: string | undefined;
  };
  /**
   * Before a model call, the conversation passed its agent's `compaction.triggerTokens`: the outputs of the
   * tool calls in `dropped` (all older than the turns kept whole) were replaced by short stubs naming the
   * call. A resume replays it on the same messages, so the resumed task sends what this one would have.
   */
  /**
   * Untrusted content entered the task (`ContextSource` of `spec/provenance.ts`): from now on its policy
   * requests carry `context.taint`, and the default bundle asks a human before anything leaves.
   */
  'context-tainted': ContextSource;
  /**
   * Text shown to the model held hidden characters (revealed to it as `⟦U+…⟧`) or read as instructions
   * aimed at the agent: what was found, never the whole text. A signal; the taint rules are the defence.
   */
  'injection-suspected': {
    where: 'task' | 'tool-output';
    /** The tool whose output it was. */
    tool?: string | undefined;
    invisible: Array<{ kind: string; count: number; decoded?: string | undefined }>;
    instructions: Array<{ kind: string; excerpt: string; concealed: boolean }>;
  };
  'context-compacted': {
    /** The model call the compaction came before (that call's `step`); the stubs name it. */
    step: number;
    /** Estimated prompt tokens (characters / 4 of system prompt, tool schemas and messages) before. */
    tokensBefore: number;
    /** The same estimate after. */
    tokensAfter: number;
    /** The tool calls whose outputs were replaced, in conversation order. */
    dropped: string[];
  };
  /** The same failure or result kept coming back: the task stops. */
  'stuck-detected': {
    pattern: 'repeated-result' | 'repeated-failure' | 'alternating';
    detail: string;
  };
  /** The guard refused the next model call: a budget would be passed. */
  'budget-exceeded': GuardStopFields;
  /** The guard or the router refused the next model call: a circuit breaker is open. */
  'breaker-open': GuardStopFields;
  /** Something failed: the agent run, the model call or saving the branch. */
  error: {
    source: 'agent' | 'model' | 'branch';
    message: string;
    /** The error's code (`UserError`/`SystemError`), `unknown` for any other error. */
    code: string;
    /** The model call that failed, for `source: 'model'`. */
    step?: number | undefined;
    /** Whether the failed model call could be retried, for a Warden error. */
    retryable?: boolean | undefined;
  };
  /** A tool call or action needs a human: a request was filed in the approval inbox. */
  'approval-request': {
    approvalId: string;
    kind: 'tool' | 'action';
    /** The tool name (`shell`) or the action name (`deploy`). */
    tool: string;
    /** The exact tool input or action parameters the request covers (secrets redacted). */
    input: unknown;
    reasons: string[];
    policyIds: string[];
    /** SHA-256 (hex) of the RFC 8785 canonical JSON of what was asked. */
    contentHash: string;
    expiresAt: string;
  };
  /** A human approved or denied a request. */
  'approval-decision': {
    approvalId: string;
    tool: string;
    status: ApprovalState;
    decidedBy: string | null;
    decisionReason: string | null;
    contentHash: string;
  };
  /** The run stopped to wait for an approval; the task row says `awaiting_approval`. */
  'task-pause': RunEndFields;
  /** A run of a waiting or interrupted task begins again. */
  'task-resume': {
    /** Model calls made before the resume. */
    steps: number;
    /** Calls of the last step that had not run yet. */
    pendingCalls: number;
    /** The status the task was resumed from. */
    from: TaskStatus;
  };
  /** A resume runs under limits other than those recorded at the start (tightened, or loosened on request). */
  'limits-changed': {
    changes: ReadonlyArray<{
      /** The field, dotted: `maxUsd`, `sandbox.memoryBytes`, `policyBundleHash`… */
      field: string;
      recorded: unknown;
      current: unknown;
      kind: 'tighten' | 'loosen';
    }>;
    /** The limits the resume runs under (as `task-start`'s `limits`). */
    limits: unknown;
  };
  /** The workspace's change was committed as the task's branch in the user's repository. */
  'branch-created': {
    branch: string;
    commit: string;
    stat: { filesChanged: number; insertions: number; deletions: number };
    /**
     * Workspace paths the commit left out, and why (`nested-git`, `symlink-outside-workspace`…). Absent
     * in journals written before paths were left out.
     */
    skipped?: Array<{ path: string; reason: string }> | undefined;
  };
  /**
   * The secret scan found secrets in what was about to leave: the task's change (`branch`: no branch was
   * made) or text an action would post (`action`: the action was refused). Never the secret itself.
   */
  'secret-detected': {
    where: 'branch' | 'action';
    /** The refused action (`forge.comment`, `forge.open_pr`…), when `where` is `action`. */
    action?: string | undefined;
    findings: Array<{
      /** The repository path, or what the text is (`pull request body`). */
      file: string;
      line: number;
      /** `aws`, `privatekey`… (secretlint's recommended rules) or `high-entropy`. */
      rule: string;
      /** What was found, the secret masked out. */
      message: string;
      /** Salted hash of the secret (16 hex digits): what an allow-list entry names. */
      fingerprint: string;
    }>;
  };
  /** The run ended; the task row's status, steps and cost are written in the same transaction. */
  'task-end': RunEndFields;
  /** The task's process was found dead and the task marked `interrupted` by a later start. */
  'task-interrupted': {
    /** The process that ran the task. */
    owner: TaskOwner;
    /** The process that found it gone. */
    reapedBy: TaskOwner;
    /** A fleet worker's task: the lease its worker stopped renewing (absent on one machine). */
    leaseUntil?: string | undefined;
    steps: number;
    costUsd: number;
    /** Spend reservations released at once. */
    releasedReservations: number;
    workspaceKept: boolean;
    /** Until when `warden resume` may continue it; `null` when the workspace is gone. */
    resumableUntil: string | null;
  };
  /** What came of an external action of the gateway (a push, a pull request, a deploy…). */
  'action-result': ActionResultFields;
  /** Another event of the task's subject came while it worked (a second failure of the same workflow). */
  'trigger-attached': { trigger: TaskTrigger };
  /** A credential was issued for the task's external actions: what it may do, where, and until when. */
  'credential-issued': {
    /** `task-token`: Warden's own token the action gateway checks. */
    kind: 'task-token';
    repository: string;
    /** The actions it allows. */
    scope: string[];
    expiresAt: string;
  };
  /** Shadow mode: the pull request the task would have opened (or its comment), kept instead of sent. */
  'shadow-result': ShadowResultFields;
  /**
   * The forge told what became of the task's pull request, after the task ended: `accepted-first-pass`,
   * `accepted-after-changes`, `rejected`, `reverted`, `changes-requested` or `human-commits`.
   */
  'forge-outcome': {
    change: string;
    /** The webhook event that told it (`pull_request`, `pull_request_review`, `push`). */
    event: string;
    deliveryId: string;
    /** Who did it (the event's sender). */
    actor: string;
  };
}

/** An event type, noun-then-verb. */
export type EventType = keyof JournalEventFields;

/** The fields an event of type `T` carries besides the common ones. */
export type EventFields<T extends EventType> = JournalEventFields[T];

/** Fields common to every journal event, filled in by the journal. */
export interface JournalEventBase {
  taskId: string;
  /** Position in the task's journal, from 1, without gaps. */
  seq: number;
  /** ISO-8601 time the event was recorded. */
  at: string;
  /** SHA-256 (hex) of the previous event of the task; 64 zeros for the first. */
  prevHash: string;
  /** SHA-256 (hex) over this event's canonical JSON (without `hash`). */
  hash: string;
  /**
   * The child of the task whose work it records (`subtask:ID`, `role:NAME`), written through
   * `Journal.forChild`; absent for the task's own events.
   */
  child?: string | undefined;
}

/**
 * A journal event: the common fields, its `type` and that type's fields. Without `T`, the union of every
 * type, narrowed by testing `event.type`.
 */
export type JournalEvent<T extends EventType = EventType> = {
  [K in T]: JournalEventBase & { type: K } & JournalEventFields[K];
}[T];

/** Every event type, in the order a task usually meets them. */
export const EVENT_TYPES = [
  'task-start',
  'task-end',
  'task-pause',
  'task-resume',
  'limits-changed',
  'model-request',
  'model-response',
  'usage-anomaly',
  'usage-missing',
  'tool-call-start',
  'tool-call-end',
  'decision',
  'budget-exceeded',
  'stuck-detected',
  'context-tainted',
  'injection-suspected',
  'context-compacted',
  'workspace-ready',
  'branch-created',
  'secret-detected',
  'error',
  'route-decision',
  'breaker-open',
  'approval-request',
  'approval-decision',
  'action-result',
  'net-connect',
  'check',
  'pre-check',
  'context-localized',
  'task-interrupted',
  'stage-start',
  'stage-end',
  'plan',
  'subtask-start',
  'subtask-end',
  'role-start',
  'role-end',
  'forge-outcome',
  'shadow-result',
  'credential-issued',
  'trigger-attached',
] as const satisfies readonly EventType[];

// The list names every type of the map: a type added to one and not the other fails to compile.
const everyTypeListed: Exclude<EventType, (typeof EVENT_TYPES)[number]> extends never ? true : never = true;
void everyTypeListed;

/** Whether `value` names an event type this version of Warden knows. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * A rerank of the localizer's top candidates by a cheap model, as `context-localized` records it. The
 * call is booked like any model call (it is in the task's spend), though it is not one of the task's
 * steps; a resume reuses the order recorded here and never calls the model again.
 */
export interface LocalizationRerank {
  /** The model as people read it, and its price-table entry. */
  model: string;
  priceKey: string;
  /** The candidates sent, in the localizer's order. */
  candidates: string[];
  /** The candidates in the order shown: the model's, or the localizer's when `kept` says why not. */
  order: string[];
  /** Whether the model's order was used. */
  applied: boolean;
  /** Why the localizer's order was kept (no call made, a failed call, a reply refused); absent when applied. */
  kept?: string | undefined;
  /** The reply's text, cut to 2,000 characters; absent when nothing answered. */
  reply?: string | undefined;
  /** Tokens and USD booked for the call (cache reads and writes counted as input); 0 when none was made. */
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
}

/** A tool call as a `model-response` keeps it: an input too long for the journal is kept cut, as text. */
export type JournaledToolCall = ToolCall & {
  /** The input's full length (as JSON) when it was cut. */
  inputChars?: number | undefined;
  inputTrimmed?: true | undefined;
};

/** What a task in shadow mode would have delivered. */
export interface ShadowResultFields {
  /** `comment` for an agent that `delivers: comment`; absent for a pull request. */
  kind?: 'comment' | undefined;
  /** The forge repository it would go to; null when no forge is configured. */
  repository: string | null;
  /** The branch a pull request would come from; null for a comment. */
  branch: string | null;
  /** The issue or pull request a comment would go on; absent for a pull request. */
  number?: number | undefined;
  /** The pull request's title; empty for a comment. */
  title: string;
  body: string;
}

/** What started a task without a person: the webhook's kind, event, delivery, sender and link. */
export interface TaskTrigger {
  kind: 'github' | 'schedule' | 'alert';
  /** `workflow_run.completed`, `issues.labeled`; a schedule's name. */
  event: string;
  /** The webhook's delivery id; a schedule's tick, as an ISO time. */
  deliveryId: string;
  /** Who caused the event (its sender's login). */
  actor: string;
  url?: string | undefined;
  /** The forge repository the event came from (`owner/name`); its result is delivered there. */
  repository?: string | undefined;
  /** The issue or pull request the event is about; a comment agent posts there. */
  number?: number | undefined;
}

/** One subtask of an orchestrator's plan, as the planner's `plan` call gave it. */
export interface PlannedSubtask {
  id: string;
  /** What the worker is to do. */
  goal: string;
  /** The command that must pass in the worker's sandbox for the subtask to count as done. */
  check: string;
  /** Subtasks (earlier in the plan) whose changes it starts from. */
  dependsOn?: string[] | undefined;
}

/** Token counts as booked (`PricedUsage` of `model/`). */
export interface JournaledUsage extends NormalizedUsage {
  /** Cache writes kept for an hour, priced apart from `cacheWrite`; absent when none. */
  cacheWrite1h?: number | undefined;
  /** The reply reported no usage (every count is then 0). */
  missing?: true | undefined;
}

/** What `usage-anomaly` and `usage-missing` share. */
export interface UsageProblemFields {
  step: number;
  model: string;
  priceKey: string;
  reason: string;
  /** The usage exactly as the vendor reported it; `null` when it reported none. */
  rawUsage: unknown;
  reservedUsd: number;
  reservedTokens: number;
}

/** Why the guard refused a model call (`budget-exceeded`, `breaker-open`). */
export interface GuardStopFields {
  stopReason: StopReason;
  reason: string;
  /** The bound the refused call needed; absent when a router refused before any bound was asked. */
  worstCase?: { usd: number; tokens: number } | undefined;
}

/** How a run ended (`task-end`, `task-pause`): the same status, steps and cost as the task row. */
export interface RunEndFields {
  status: TaskStatus;
  stopReason: StopReason;
  detail: string;
  steps: number;
  costUsd: number;
  tokens: number;
  /** Share of input tokens read from the prompt cache; `null` when no call sent any input. */
  cacheHitRatio: number | null;
  /** The branch holding the result; absent when none was made. */
  branch?: string | undefined;
  /** How the work was verified (the last check's result); absent in journals from before verification. */
  verification?: Verification | undefined;
  /** A task stopped by a limit: until when its kept workspace lets it resume; absent otherwise. */
  resumableUntil?: string | undefined;
}

/** The check a task chose at its start, as journaled on `workspace-ready`. */
export interface JournaledCheck {
  /** The command run in the sandbox (`npm test`). */
  command: string;
  /** Where it came from: `agent.check`, or the files auto-detection read. */
  source: string;
  /** Fingerprint of what defines it in the workspace (detected checks only). */
  definition?: string | undefined;
}

/** A decision on one of the model's tool calls. */
export type ToolDecisionFields = Decision & {
  toolCallId: string;
  tool: string;
  /** The decider's name (`cedar`). */
  decider: string;
  /** SHA-256 of the policy bundle that decided, when a bundle did. */
  bundleHash?: string | undefined;
  action?: undefined;
  request?: undefined;
};

/** A decision on an external action of the gateway, with the request so a backtest can decide it again. */
export type ActionDecisionFields = Decision & {
  /** The action's name again, so every decision has a `tool`. */
  tool: ActionName;
  action: ActionName;
  request: ActionDecisionRequest;
  bundleHash?: string | undefined;
  toolCallId?: undefined;
  decider?: undefined;
};

/** An action's outcome (`ActionOutcome` of `actions/`), or its failure. */
export type ActionResultFields = { action: ActionName; key: string } & (
  | { status: 'done'; result: unknown; replayed: boolean }
  | { status: 'denied'; by: 'rule' | 'policy' | 'human'; reasons: string[]; policyIds: string[] }
  | { status: 'awaiting_approval'; approvalId: string; reasons: string[]; policyIds: string[] }
  | { status: 'failed'; error: string }
);
