import type { CircuitBreakers, SecretScanner, SpendLedger } from '../guard/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ModelClient, PriceTable } from '../model/index.ts';
import type { BranchResult, DiffStat, ResolvedRepository, Workspace } from '../sandbox/index.ts';
import type { TaskTrigger } from '../spec/journal-events.ts';
import type { PolicyDecider } from '../spec/policy.ts';
import type { ContextSource, TaintFacts } from '../spec/provenance.ts';
import type { ResourceLimits, SandboxDriver, SandboxEgress } from '../spec/sandbox.ts';
import type { Store } from '../spec/store.ts';
import type { Task, Verification } from '../spec/types.ts';
import type { LoopLimits } from './agent-loop.ts';
import type { ApprovalGate } from './approval-gate.ts';
import type { CompactionSettings } from './compaction-step.ts';
import type { LocalizeSettings } from './localize-step.ts';
import type { PreCheck } from './pre-checks.ts';
import type { PipelineStage } from './run-pipeline.ts';
import type { TaskChild } from './task-children.ts';
import type { TaskLimits } from './task-limits.ts';
import type { TaintSettings, TaskTaint } from './task-taint.ts';

/** Everything a task runs with, built once at the edge. */
export interface TaskRuntime {
  /**
   * How long a task stopped by a limit keeps its workspace for `resumeTask` (no branch is made until it
   * ends); 0 or undefined: it ends like any other task, its branch saved and its workspace removed.
   */
  keepStoppedMs?: number | undefined;
  /**
   * A fleet worker's lease on the tasks it runs, in ms: a task is created (or resumed) with its lease
   * running this long, and the worker renews it while alive. Undefined: no lease (one machine).
   */
  leaseMs?: number | undefined;
  store: Store;
  journal: Journal;
  sandbox: SandboxDriver;
  /**
   * The policy decider for a task whose workspace is at `workspaceDir` (paths are judged there), its
   * requests carrying the task's `taint` as it is at each request.
   */
  createDecider: (workspaceDir: string, taint?: () => TaintFacts) => PolicyDecider;
  /** Which sources taint a task (`provenance` of the config); undefined: `DEFAULT_UNTRUSTED`, no quiet host. */
  taintSettings?: TaintSettings | undefined;
  /** The driven task's taint: set by `runTask` and `resumeTask` for the task they drive, for its children too. */
  taint?: TaskTaint | undefined;
  /** Files and answers approval requests; without one, `ask` is refused as if denied. */
  approvals?: ApprovalGate | undefined;
  ledger: SpendLedger;
  breakers?: CircuitBreakers | undefined;
  /** The agent and team every call is charged to. */
  agent: { name: string; team: string; trustTier?: number | undefined };
  model: ModelClient;
  priceTable: PriceTable;
  /** Price key of the top-tier model the cost report compares against. */
  counterfactualKey: string;
  /** Where workspaces are created; each task gets its own directory, removed when the task ends. */
  scratchDir: string;
  /**
   * Where each repository's mirror is kept, from which workspaces are made by fetching only what is new;
   * undefined: no mirror, every workspace fetches the whole HEAD from the user's repository.
   */
  mirrorsDir?: string | undefined;
  /** Everything that bounds the task, recorded at its start; the fields below are derived from it. */
  taskLimits: TaskLimits;
  limits: LoopLimits;
  commandTimeoutMs: number;
  maxCommandTimeoutMs: number;
  maxOutputBytes: number;
  /** Resource limits per command; missing fields take the driver's defaults. */
  sandboxLimits?: Partial<ResourceLimits>;
  /** Workspace paths the agent may not change; default `DEFAULT_PROTECTED_PATHS`. */
  protectedPaths?: readonly string[];
  /** What the sandbox may reach through the egress proxy; each connection is journaled. Default: nothing. */
  egress?: Omit<SandboxEgress, 'onConnection'> | undefined;
  maxOutputTokens: number;
  toolOutputChars: number;
  /** When old tool outputs are dropped from a loop's conversation (`compaction-step.ts`); null or undefined: never. */
  compaction?: CompactionSettings | null | undefined;
  /** The first turn's localization (`localize-step.ts`): ranked files put before the task; null or undefined: none. */
  localize?: LocalizeSettings | null | undefined;
  /** Called with the task as soon as it exists (before the first model call). */
  onStart?: (task: Task) => void;
  /**
   * A command run in the sandbox when the model says it is finished (`npm test`); exit 0 passes. A failure
   * escalates to `higherTiers` one at a time, then fails the task. `auto`: the repository's own test
   * command, detected at the task's start (`detectCheckCommand`). `none`, `null` or undefined: no check,
   * and a task the model finishes ends `unverified`.
   */
  check?: string | null | undefined;
  /** The models of the tiers above `model`, cheapest first (the cascade). Default: none. */
  higherTiers?: readonly ModelClient[];
  /** Cheap deterministic checks run before the first model call; the first that matches ends the task. */
  preChecks?: readonly PreCheck[];
  /** A pipeline agent's stages, run in order instead of one loop; undefined: one loop. */
  stages?: readonly PipelineStage[] | undefined;
  /** An orchestrator agent's planner and worker, run instead of one loop; undefined: one loop. */
  orchestrator?: OrchestratorRuntime | undefined;
  /** A swarm agent's roles, run at once instead of one loop; undefined: one loop. */
  swarm?: SwarmRuntime | undefined;
  /**
   * Loads what the first decision needs (Cedar, the policy set), called once the task's workspace is
   * being made, so that the load overlaps the workspace's git work instead of delaying it.
   */
  warmUp?: (() => void) | undefined;
  /** The agent's own instructions, added to Warden's system prompt; undefined: none. */
  instructions?: string | undefined;
  /** The tools the agent may call, by name; undefined: every built-in tool. */
  tools?: readonly string[] | undefined;
  /**
   * What a task's change is scanned with before its branch is made (a secret blocks it). Undefined: the
   * default rules, no allowances, fingerprints salted for the run only. The scan is never off.
   */
  secretScanner?: SecretScanner | undefined;
}

/** An orchestrator as a task runs it (`run-orchestrator.ts`). */
export interface OrchestratorRuntime {
  /** The planner: reads, then calls `plan`; its models are the task's `model` and `higherTiers`. */
  planner: {
    prompt?: string | undefined;
    /** Its reading tools besides `plan`; undefined: list_files, read_file and search. */
    tools?: readonly string[] | undefined;
    maxSteps?: number | undefined;
  };
  worker: {
    prompt?: string | undefined;
    /** undefined: the agent's. */
    tools?: readonly string[] | undefined;
    maxSteps?: number | undefined;
    /** The worker's models for one subtask (a scripted model speaks `worker:ID`). */
    models: (subtaskId: string) => Promise<{ model: ModelClient; higherTiers: readonly ModelClient[] }>;
  };
  /** Most subtasks run at once. */
  maxParallel: number;
}

/** A swarm as a task runs it (`run-swarm.ts`). */
export interface SwarmRuntime {
  roles: Array<{
    name: string;
    prompt: string;
    /** undefined: the agent's. */
    tools?: readonly string[] | undefined;
    maxSteps?: number | undefined;
    /** A command that must pass in the role's sandbox when it finishes; undefined: none. */
    check?: string | undefined;
    /** The role's models (a scripted model speaks the role's name). */
    models: () => Promise<{ model: ModelClient; higherTiers: readonly ModelClient[] }>;
  }>;
  /** Model calls across the roles without progress before the swarm is ended as deadlocked. */
  stallSteps: number;
}

/** A new task's workspace, being made (`startWorkspace`) before the rest of the task is ready. */
export interface StartedWorkspace {
  taskId: string;
  /** Settles as `createWorkspace` does; whoever starts it and does not run the task destroys it. */
  workspace: Promise<Workspace>;
  /** Resolves once git checks the files out (never, when the clone fails first). */
  cloning: Promise<void>;
}

export interface NewTaskRequest {
  repo: string;
  prompt: string;
  /** The model as the user named it, recorded on the task. */
  modelName: string;
  requestedBy: string;
  /** `false` leaves the user's repository without a result branch (`--no-branch`). */
  createBranch: boolean;
  /** The repository as the caller already resolved it (`resolveRepository`); undefined: resolved again. */
  resolved?: ResolvedRepository | undefined;
  /** The task's workspace, already being made (`startWorkspace`); undefined: made by `runTask`. */
  started?: StartedWorkspace | undefined;
  /** What started it without a person (a webhook), journaled on `task-start`. */
  /**
   * Where the task's text came from beyond its operator (an issue body and its author, CI logs): each
   * untrusted one taints the task from its start (`context-tainted`). Undefined: the operator's alone.
   */
  sources?: readonly ContextSource[] | undefined;
  trigger?: TaskTrigger | undefined;
  /** Shadow mode: the result is kept and shown, never delivered; journaled on `task-start`. */
  shadow?: boolean | undefined;
}

export interface RunTaskResult {
  task: Task;
  branch: BranchResult | null;
  /** A sentence on why the task ended (or paused). */
  detail: string;
  /** The user's tree had uncommitted changes, which the task did not see. */
  dirty: boolean;
  finalText: string;
  /** Input tokens the task's model calls read from a prompt cache, over all their input; `null` without calls. */
  cacheHitRatio: number | null;
  /** With `createBranch: false`, the size of the change that was left unsaved; otherwise `null`. */
  discarded: DiffStat | null;
  /** How the work was verified: the last check's result, `none` when no check ran. */
  verification: Verification;
  /** The check the task ran when the model finished; `null` when it had none. */
  check: { command: string; source: string } | null;
  /** How the agent ran: one loop, or a pipeline of stages. */
  pattern: 'single' | 'pipeline' | 'orchestrator' | 'swarm';
  /** A pipeline's stages, as they ran; empty for one loop. */
  children: TaskChild[];
}
