import type { Config } from '../config/index.ts';
import type { JobQueue } from '../fleet/index.ts';
import type { CostReport } from '../guard/index.ts';
import type { ChainVerification } from '../journal/index.ts';
import type { PriceTable } from '../model/index.ts';
import type { JournalOfTask, PolicyBundle, PolicyStats } from '../policy/index.ts';
import type { ApprovalRequest } from '../spec/approvals.ts';
import type { AuditMatch, AuditQuery } from '../spec/audit-search.ts';
import type { Environment } from '../spec/env.ts';
import type { JournalEvent, TaskTrigger } from '../spec/journal-events.ts';
import type { SandboxDriver } from '../spec/sandbox.ts';
import type { StoreEngine } from '../spec/store-set.ts';
import type { Task, TaskOwner, TaskStatus } from '../spec/types.ts';
import type { BreakerRecord } from '../store/index.ts';
import type { AuditReport } from './audit.ts';
import type { CostReportRequest } from './cost-report.ts';
import type { ShadowResult } from './deliver-task.ts';
import type { GithubDelivery, TriggerDecision } from './github-trigger.ts';
import type { OutcomeReport } from './outcome-report.ts';
import type { ResumeOptions, TaskHooks, TaskRequest, TaskResult } from './task-operations.ts';

/** A task's journal as `warden trace` shows it: the events and whether their chain holds. */
export interface TraceView {
  task: Task;
  events: JournalEvent[];
  verification: ChainVerification;
}

/** One task's journal as the policy statistics and backtests read it. */
export type PolicyJournal = JournalOfTask & { taskId: string };

/** What the task row does not hold: its trigger, and in shadow mode what it would have delivered. */
export interface TaskDetails {
  trigger: TaskTrigger | null;
  shadow: ShadowResult | null;
}

/**
 * Warden, built once per process by `createWarden`: the operations every entry point (the CLI, a
 * server, a worker) drives. Close it when done.
 */
export interface Warden {
  /** The data directory. */
  readonly home: string;
  /** The config file that was read; `undefined` when the defaults are in use. */
  readonly configPath: string | undefined;
  readonly config: Config;
  readonly env: Environment;
  /**
   * Runs a new task to its end (or its pause for an approval), books its outcome for the cost report,
   * and delivers a succeeded task's branch to the configured forge.
   */
  runTask(request: TaskRequest, hooks?: TaskHooks): Promise<TaskResult>;
  /** Continues a paused or interrupted task (id or unique prefix) under the limits it recorded. */
  resumeTask(idOrPrefix: string, options: ResumeOptions, hooks?: TaskHooks): Promise<TaskResult>;
  /** Recent tasks (of one status, when given), newest first. */
  tasks(options?: { limit?: number; status?: TaskStatus | undefined }): Promise<Task[]>;
  /** How many tasks the store holds in each status (a status with none is absent). */
  taskCounts(): Promise<Partial<Record<TaskStatus, number>>>;
  /** The task with this id, or the only one whose id starts with it. @throws UserError `task-not-found`. */
  findTask(idOrPrefix: string): Promise<Task>;
  /** A task's journal, verified. */
  trace(idOrPrefix: string): Promise<TraceView>;
  /** Every task's journal, for backtests. */
  policyJournals(): Promise<PolicyJournal[]>;
  /** Rejection and ask rates per agent, tool and policy over every task's decisions since `since`. */
  policyStats(options?: { since?: Date | undefined }): Promise<PolicyStats>;
  /** Approval requests, newest first: the pending ones, or all. */
  approvals(options?: { all?: boolean }): Promise<ApprovalRequest[]>;
  /** Approves or denies one pending request and journals the decision on its task. */
  decideApproval(
    id: string,
    decision: { approve: boolean; by?: string | undefined; reason?: string | undefined },
  ): Promise<ApprovalRequest>;
  /**
   * What a GitHub delivery whose signature was verified starts (`triggers.github`): a task to run (not
   * started here: the caller queues `request`), nothing and why, or nothing because its delivery id was
   * seen before. Every delivery is recorded once, by id; one GitHub could not be asked about (who may
   * write, the open pull requests) is not recorded and throws a retryable `forge-failed`. In a fleet
   * (PostgreSQL), an outcome event (a pull request closed, a review, a push) is `queued` for a worker
   * (`recordForgeOutcome`) instead of recorded here.
   */
  receiveGithubDelivery(delivery: GithubDelivery): Promise<TriggerDecision>;
  /**
   * What an alert webhook whose signature was verified starts (`triggers.alerts`): PagerDuty's v3
   * `incident.triggered` or Alertmanager's `firing`, on the service's checkout, with the investigator
   * agent. Recorded once by id (PagerDuty's event id; a hash of Alertmanager's group and alerts).
   */
  receiveAlert(payload: unknown): Promise<TriggerDecision>;
  /** Records that the task a delivery started never started (`runTask` threw): it holds no subject. */
  deliveryFailed(deliveryId: string, reason: string): Promise<void>;
  /**
   * The four questions of an audit, from the task's journal: what the agent did, on whose authority,
   * what it touched, and how to undo it.
   */
  audit(idOrPrefix: string): Promise<AuditReport>;
  /** Each task's journal verified (one task, or all), naming the first bad event of a broken one. */
  verifyJournals(idOrPrefix?: string): Promise<Array<{ taskId: string; verification: ChainVerification }>>;
  /** Events across tasks that touched a path, contacted a host, were decided by a policy, used a credential. */
  searchAudit(query: AuditQuery): Promise<AuditMatch[]>;
  /** What started each task (its trigger) and what a task in shadow mode would have delivered. */
  taskDetails(taskIds: readonly string[]): Promise<Map<string, TaskDetails>>;
  /** Spend, outcomes and unit economics. */
  costReport(request: CostReportRequest): Promise<CostReport>;
  /**
   * What the forge says became of Warden's pull requests (accepted first pass, after changes, rejected,
   * reverted), with the first-pass accept rate and times to merge, overall and per agent.
   */
  outcomes(options?: { since?: Date | undefined }): Promise<OutcomeReport>;
  /** Every breaker that has ever opened. */
  breakers(): Promise<BreakerRecord[]>;
  /** Closes the open breakers (of one scope); returns those closed. */
  resetBreakers(scope?: string): Promise<BreakerRecord[]>;
  /** The price table in force: `pricing.tablePath` or the shipped one, with the config's declared prices. */
  priceTable(): PriceTable;
  /** The policy bundle in force, read once. */
  policyBundle(): PolicyBundle;
  /** The sandbox driver `sandbox.driver` names. */
  sandboxDriver(): SandboxDriver;
  /**
   * Sends a finished task's spans to the configured OpenTelemetry collector again, and waits for it.
   *
   * @throws UserError `config-invalid` when no collector is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`,
   *   `telemetry.endpoint`), `usage` for a task not finished; SystemError `telemetry-failed` when the
   *   collector did not take it.
   */
  exportTelemetry(idOrPrefix: string): Promise<{ taskId: string; tracesUrl: string; spans: number }>;
  /** Every task's metrics (tokens, durations, cost, outcomes, decisions, breaker refusals) as Prometheus text. */
  metricsText(): Promise<string>;
  /** Closes the store, after waiting at most two seconds for telemetry still being sent. */
  /** Where the data is: the SQLite file, or the PostgreSQL URL without its password. */
  readonly storeLocation: string;
  /** The task with this exact id; `undefined` when there is none. */
  getTask(id: string): Promise<Task | undefined>;
  /** See `Store.renewLease`: a fleet worker keeps its lease on the tasks it runs. */
  renewLease(taskId: string, owner: TaskOwner, until: string | null): Promise<boolean>;
  /**
   * A fleet worker's sweep: tasks whose worker is gone (its process dead, or its lease passed) become
   * `interrupted`; those and the ended tasks whose worker died before delivering are returned, each with
   * a key naming this abandonment, to be queued once for another worker.
   */
  reapAbandoned(): Promise<Array<{ taskId: string; key: string }>>;
  /** Takes an abandoned task's lease for this process (see `Store.takeLease`); false when another holds it. */
  takeOver(taskId: string): Promise<boolean>;
  /** Delivers the result of an ended task this process took over (its worker died first), then lets it go. */
  finishDelivery(taskId: string): Promise<void>;
  /**
   * The fleet's job queue in the PostgreSQL store. `fireSchedules`: this process also runs the queue's
   * scheduler, which turns due schedules into jobs (a worker); the first call decides.
   *
   * @throws UserError `usage` when the store is SQLite.
   */
  fleetQueue(options?: { fireSchedules?: boolean }): Promise<JobQueue>;
  /**
   * A fleet's `warden serve`: registers the config's `triggers.schedules` with the queue's scheduler
   * (by name, replacing what was there) and removes those the config no longer has; returns their names.
   *
   * @throws UserError `config-invalid` for a pattern the scheduler cannot read, `usage` on SQLite.
   */
  syncFleetSchedules(): Promise<string[]>;
  /**
   * A fleet worker's handling of a schedule's firing (a `schedule-tick` job created at `createdAt`):
   * the tick is decided once, and its task queued unless the schedule's last one still waits or runs.
   */
  scheduleTick(payload: unknown, createdAt: string): Promise<TriggerDecision>;
  /**
   * A fleet worker's handling of an outcome event `receiveGithubDelivery` queued: recorded once by
   * delivery id, applied to the pull requests and journaled on each task it moved.
   */
  recordForgeOutcome(delivery: GithubDelivery): Promise<TriggerDecision>;
  /** Queues a task for the fleet's workers instead of running it here; returns its id. */
  enqueueTask(request: TaskRequest): Promise<string>;
  /** Queues the resume of a task for the fleet's workers (its approval was decided); returns its id. */
  enqueueResume(taskId: string): Promise<string>;
  /** Which engine holds the data: `postgres` is a fleet, whose tasks `warden worker` runs. */
  readonly storeEngine: StoreEngine;
  close(): Promise<void>;
}
