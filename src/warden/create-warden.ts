import path from 'node:path';
import { ApprovalInbox, journalApprovalDecision } from '../actions/index.ts';
import { currentTaskOwner, newTaskId, reapInterruptedTasks } from '../agent/index.ts';
import { type Config, loadConfig } from '../config/index.ts';
import type { JobQueue } from '../fleet/index.ts';
import { Checkpoints, Journal, loadCheckpointKey } from '../journal/index.ts';
import { loadConfiguredPriceTable, type PriceTable } from '../model/index.ts';
import {
  defaultBundleDir,
  loadPolicyBundle,
  type PolicyBundle,
  type PolicyStats,
  policyStatsOf,
} from '../policy/index.ts';
import { createSandboxDriver } from '../sandbox/index.ts';
import type { ApprovalRequest } from '../spec/approvals.ts';
import type { AuditMatch, AuditQuery } from '../spec/audit-search.ts';
import type { Environment } from '../spec/env.ts';
import type { TaskTrigger } from '../spec/journal-events.ts';
import type { SandboxDriver } from '../spec/sandbox.ts';
import type { StoreEngine } from '../spec/store-set.ts';
import type { Task, TaskOwner, TaskStatus } from '../spec/types.ts';
import { storeMetricsText } from '../telemetry/index.ts';
import { decideAlert, readAlert } from './alert-trigger.ts';
import type { AuditReport } from './audit.ts';
import { auditTask, searchAudit, verifyJournals } from './audit-operations.ts';
import { type CostReportRequest, costReport } from './cost-report.ts';
import { createBreakers } from './create-breakers.ts';
import { resolveConfigPath, resolveHome } from './data-dir.ts';
import { deliveryBook } from './delivery-book.ts';
import { findTask } from './find-task.ts';
import { FleetOperations } from './fleet-operations.ts';
import { isOutcomeEvent, receiveOutcomeEvent } from './forge-outcomes.ts';
import { decideGithubDelivery, type GithubDelivery, type TriggerDecision } from './github-trigger.ts';
import { openStores } from './open-stores.ts';
import { type OutcomeReport, outcomeReport } from './outcome-report.ts';
import { createResultDelivery } from './result-delivery.ts';
import {
  type ResumeOptions,
  resumeTaskWith,
  runTaskWith,
  type TaskHooks,
  type TaskRequest,
  type TaskResult,
} from './task-operations.ts';
import type { SharedParts } from './task-runtime.ts';
import { TaskTelemetry } from './task-telemetry.ts';
import { TriggeredRequests } from './triggered-request.ts';
import type { PolicyJournal, TaskDetails, TraceView, Warden } from './warden.ts';

/** How to open a Warden: where its data lives, which config, and where its warnings go. */
export interface WardenOptions {
  /** The data directory; default `WARDEN_HOME`, else `~/.warden`. */
  dataDir?: string | undefined;
  /** The config file; default `<data dir>/config.yaml` when it exists, else the defaults. */
  configPath?: string | undefined;
  env: Environment;
  /** Warnings and notices for people (a breaker opened, a model left out, an unreadable row). */
  warn?: ((text: string) => void) | undefined;
  /**
   * Where the data lives: a PostgreSQL URL (a fleet's shared store) or `sqlite:PATH`; default the data
   * directory's SQLite file.
   */
  database?: string | undefined;
  /** A fleet worker: the tasks it runs hold leases of this many ms, renewed while it lives. */
  leaseMs?: number | undefined;
}

/**
 * Opens Warden's data directory and builds, once, everything an entry point drives: the config, the
 * SQLite store, the journal with its signed checkpoints, the circuit breakers, the approval inbox, and
 * (on first use) the price table, the policy bundle, the sandbox driver and the forge. Opening reaps
 * first: tasks whose process died become `interrupted` (their reservations released), and the
 * workspaces of tasks interrupted longer ago than `recovery.keepInterruptedHours` are removed.
 *
 * @throws UserError for an invalid config file.
 */
export async function createWarden(options: WardenOptions): Promise<Warden> {
  const env = options.env;
  const warn = options.warn ?? (() => {});
  const home = resolveHome(options.dataDir, env);
  const configPath = resolveConfigPath(options.configPath, home);
  const config = loadConfig(configPath);
  const stores = await openStores(options.database, home);
  try {
    const { store, spend } = stores;
    const checkpointKey = loadCheckpointKey(home);
    const journal = new Journal(store, {
      checkpoints: new Checkpoints(store, checkpointKey),
      // A fleet worker writes only into the tasks it owns: one whose lease passed is refused (lease-lost).
      fence: options.leaseMs === undefined ? undefined : currentTaskOwner(),
    });
    const scratchDir = path.join(home, 'scratch');
    const reap = () =>
      reapInterruptedTasks({
        store,
        journal,
        scratchDir,
        keepMs: config.recovery.keepInterruptedHours * 3_600_000,
        releaseReservations: (taskId, now) => spend.releaseTaskReservations(taskId, now),
        // An unreadable window (see `warden doctor`) books nothing here rather than stopping every command.
        bookedUsd: async (taskId) => (await spend.totals(`task:${taskId}`, 'all'))?.spentUsd ?? 0,
      });
    // One machine: every start reaps. A fleet's workers reap in their sweeps, and queue the resumes.
    if (stores.engine === 'sqlite') await reap();
    const parts: SharedParts = {
      config,
      env,
      store,
      stores,
      leaseMs: options.leaseMs,
      journal,
      scratchDir,
      mirrorsDir: path.join(home, 'mirrors'),
      cacheDir: path.join(home, 'cache'),
      priceTable: once(() => loadConfiguredPriceTable(config)),
      // The bundle is read from disk once per process, for the runs and for delivery alike; a bundle
      // checked by an earlier process (same content, same Cedar) is not validated again.
      bundle: once(() =>
        loadPolicyBundle(config.policy.bundle ?? defaultBundleDir(), {
          cacheDir: path.join(home, 'cache', 'policy-bundles'),
        }),
      ),
      breakers: createBreakers(config, stores.breakers, warn),
      approvals: new ApprovalInbox({
        store: stores.approvals({ ttlMs: config.policy.approvalTtlHours * 3_600_000 }),
        journal,
      }),
      sandbox: once(() => createSandboxDriver(config.sandbox, env)),
      warn,
      // Ed25519 signatures are deterministic: the data directory's key gives one salt for every run,
      // which no one without the key can compute.
      secretSalt: checkpointKey.sign('warden secret fingerprint salt'),
    };
    const delivery = once(() => createResultDelivery(parts));
    const telemetry = new TaskTelemetry({ config, env, journal, warn, secretSalt: parts.secretSalt });
    const fleet = new FleetOperations({ parts, delivery, reap, database: options.database });
    return new OpenWarden({ home, configPath, parts, delivery, telemetry, fleet });
  } catch (error) {
    await stores.close();
    throw error;
  }
}

class OpenWarden implements Warden {
  readonly home: string;
  readonly configPath: string | undefined;
  readonly #parts: SharedParts;
  readonly #delivery: () => ReturnType<typeof createResultDelivery>;
  readonly #triggered: TriggeredRequests;
  readonly #telemetry: TaskTelemetry;
  readonly #fleet: FleetOperations;

  constructor(settings: {
    home: string;
    configPath: string | undefined;
    parts: SharedParts;
    delivery: () => ReturnType<typeof createResultDelivery>;
    telemetry: TaskTelemetry;
    fleet: FleetOperations;
  }) {
    this.home = settings.home;
    this.configPath = settings.configPath;
    this.#parts = settings.parts;
    this.#delivery = settings.delivery;
    this.#triggered = new TriggeredRequests(settings.home, settings.delivery);
    this.#telemetry = settings.telemetry;
    this.#fleet = settings.fleet;
  }

  get storeLocation(): string {
    return this.#parts.stores.location;
  }

  get storeEngine(): StoreEngine {
    return this.#parts.stores.engine;
  }

  enqueueResume(taskId: string): Promise<string> {
    return this.#fleet.enqueueResume(taskId);
  }

  getTask(id: string): Promise<Task | undefined> {
    return this.#parts.store.getTask(id);
  }

  renewLease(taskId: string, owner: TaskOwner, until: string | null): Promise<boolean> {
    return this.#parts.store.renewLease(taskId, owner, until);
  }

  reapAbandoned(): Promise<Array<{ taskId: string; key: string }>> {
    return this.#fleet.reapAbandoned();
  }

  takeOver(taskId: string): Promise<boolean> {
    return this.#fleet.takeOver(taskId);
  }

  finishDelivery(taskId: string): Promise<void> {
    return this.#fleet.finishDelivery(taskId);
  }

  fleetQueue(options: { fireSchedules?: boolean } = {}): Promise<JobQueue> {
    return this.#fleet.queue(options);
  }

  syncFleetSchedules(): Promise<string[]> {
    return this.#fleet.syncSchedules();
  }

  scheduleTick(payload: unknown, createdAt: string): Promise<TriggerDecision> {
    return this.#fleet.scheduleTick(payload, createdAt);
  }

  recordForgeOutcome(delivery: GithubDelivery): Promise<TriggerDecision> {
    return receiveOutcomeEvent(this.#parts, delivery);
  }

  enqueueTask(request: TaskRequest): Promise<string> {
    return this.#fleet.enqueueTask({ ...request, taskId: request.taskId ?? newTaskId() });
  }

  get config(): Config {
    return this.#parts.config;
  }

  get env(): Environment {
    return this.#parts.env;
  }

  runTask(request: TaskRequest, hooks: TaskHooks = {}): Promise<TaskResult> {
    return this.#triggered.run(request, (ready) =>
      runTaskWith(this.#parts, this.#delivery, ready, hooks, (task) => this.#telemetry.taskFinished(task)),
    );
  }

  async resumeTask(idOrPrefix: string, options: ResumeOptions, hooks: TaskHooks = {}): Promise<TaskResult> {
    const task = await this.findTask(idOrPrefix);
    return await resumeTaskWith(this.#parts, this.#delivery, task, options, hooks, (ended) =>
      this.#telemetry.taskFinished(ended),
    );
  }

  tasks(options: { limit?: number; status?: TaskStatus | undefined } = {}): Promise<Task[]> {
    return this.#parts.store.listTasks(options);
  }

  taskCounts(): Promise<Partial<Record<TaskStatus, number>>> {
    return this.#parts.store.countTasks();
  }

  async taskDetails(taskIds: readonly string[]): Promise<Map<string, TaskDetails>> {
    const { store } = this.#parts;
    const details = new Map<string, TaskDetails>(taskIds.map((id) => [id, { trigger: null, shadow: null }]));
    for (const event of await store.eventsOfType('task-start', taskIds)) {
      const found = details.get(event.taskId);
      if (found && event.type === 'task-start') found.trigger = event.trigger ?? null;
    }
    for (const event of await store.eventsOfType('shadow-result', taskIds)) {
      const found = details.get(event.taskId);
      if (!found || event.type !== 'shadow-result') continue;
      const { taskId, seq, type, at, prevHash, hash, child, ...shadow } = event;
      found.shadow = shadow;
    }
    return details;
  }

  findTask(idOrPrefix: string): Promise<Task> {
    return findTask(this.#parts.store, idOrPrefix);
  }

  async trace(idOrPrefix: string): Promise<TraceView> {
    const task = await this.findTask(idOrPrefix);
    const { journal } = this.#parts;
    const events = await journal.events(task.id);
    const verification = await journal.verify(task.id);
    return { task, events, verification };
  }

  async audit(idOrPrefix: string): Promise<AuditReport> {
    return await auditTask(this.#parts, await this.findTask(idOrPrefix));
  }

  async verifyJournals(idOrPrefix?: string) {
    const tasks =
      idOrPrefix === undefined ? await this.#parts.store.listTasks() : [await this.findTask(idOrPrefix)];
    return await verifyJournals(this.#parts, tasks);
  }

  searchAudit(query: AuditQuery): Promise<AuditMatch[]> {
    return searchAudit(this.#parts, query);
  }

  async policyJournals(): Promise<PolicyJournal[]> {
    const { store } = this.#parts;
    const journals: PolicyJournal[] = [];
    for (const task of await store.listTasks()) {
      const events = await store.listEvents(task.id);
      const start = events.find((event) => event.type === 'task-start');
      const agent = typeof start?.agent === 'string' ? start.agent : task.requestedBy;
      journals.push({ taskId: task.id, agent, events });
    }
    return journals;
  }

  async policyStats(options: { since?: Date | undefined } = {}): Promise<PolicyStats> {
    return policyStatsOf(
      await this.#parts.stores.reports.decisionTallies({ sinceAt: options.since?.toISOString() }),
    );
  }

  approvals(options: { all?: boolean } = {}): Promise<ApprovalRequest[]> {
    return this.#parts.stores.approvals().list(options.all ? {} : { status: 'pending' });
  }

  async decideApproval(
    id: string,
    decision: { approve: boolean; by?: string | undefined; reason?: string | undefined },
  ): Promise<ApprovalRequest> {
    const { store, stores, journal, env } = this.#parts;
    const decided = await stores.approvals().decide(id, {
      approve: decision.approve,
      by: decision.by ?? env.USER ?? 'local',
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
    });
    // The decision belongs in the task's journal; a request of a task this store does not hold has none.
    if (await store.getTask(decided.taskId)) await journalApprovalDecision(journal, decided);
    return decided;
  }

  async receiveGithubDelivery(delivery: GithubDelivery): Promise<TriggerDecision> {
    if (isOutcomeEvent(delivery)) {
      // A fleet records outcomes on a worker, one job per delivery; one machine records them here.
      return this.#parts.stores.engine === 'postgres'
        ? await this.#fleet.enqueueForgeOutcome(delivery)
        : await receiveOutcomeEvent(this.#parts, delivery);
    }
    const book = {
      ...deliveryBook(this.#parts.stores.deliveries, {
        id: delivery.id,
        source: 'github',
        event: delivery.event,
      }),
      attach: async (taskId: string, trigger: TaskTrigger) => {
        // A task not in the store yet (still waiting for a runner) has no journal: the delivery's record
        // names it anyway.
        await this.#parts.journal.append(taskId, 'trigger-attached', { trigger }).catch(() => {});
      },
    };
    // The config refuses GitHub triggers without the GitHub App, so the forge is there.
    const forge = this.#delivery()!;
    return await decideGithubDelivery(this.#parts.config, delivery, newTaskId, book, forge);
  }

  async receiveAlert(payload: unknown): Promise<TriggerDecision> {
    const alert = readAlert(payload);
    if ('reason' in alert) return { outcome: 'ignored', reason: alert.reason };
    const book = deliveryBook(this.#parts.stores.deliveries, {
      id: alert.id,
      source: 'alert',
      event: alert.event,
      occurredAt: alert.occurredAt,
    });
    return decideAlert(this.#parts.config, alert, newTaskId, book);
  }

  async deliveryFailed(deliveryId: string, reason: string): Promise<void> {
    await this.#parts.stores.deliveries.failed(deliveryId, reason);
  }

  costReport(request: CostReportRequest) {
    return costReport(this.#parts, request);
  }

  async outcomes(options: { since?: Date | undefined } = {}): Promise<OutcomeReport> {
    return outcomeReport(this.#parts, options.since);
  }

  breakers() {
    return this.#parts.breakers.list();
  }

  resetBreakers(scope?: string) {
    return this.#parts.breakers.reset(scope);
  }

  priceTable(): PriceTable {
    return this.#parts.priceTable();
  }

  policyBundle(): PolicyBundle {
    return this.#parts.bundle();
  }

  sandboxDriver(): SandboxDriver {
    return this.#parts.sandbox();
  }

  async exportTelemetry(idOrPrefix: string): Promise<{ taskId: string; tracesUrl: string; spans: number }> {
    const task = await this.findTask(idOrPrefix);
    return { taskId: task.id, ...(await this.#telemetry.exportTask(task)) };
  }

  metricsText(): Promise<string> {
    return storeMetricsText(this.#parts.store);
  }

  async close(): Promise<void> {
    // Bounded: a collector that hangs delays the exit by two seconds at most.
    await this.#telemetry.close();
    await this.#fleet.close();
    return await this.#parts.stores.close();
  }
}

/** `build`'s value, built on the first call and kept. */
function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
