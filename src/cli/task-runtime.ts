import { ApprovalInbox } from '../actions/index.ts';
import {
  type LimitChange,
  limitsForResume,
  parseRecordedLimits,
  type TaskLimits,
  type TaskRuntime,
} from '../agent/index.ts';
import { CircuitBreakers, postWebhook, SpendLedger } from '../guard/index.ts';
import { createCedarPolicyEngine, defaultBundleDir, loadPolicyBundle } from '../policy/index.ts';
import { createBubblewrapDriver } from '../sandbox/index.ts';
import {
  SqliteApprovalStore,
  SqliteBatchStore,
  SqliteBreakerStore,
  SqliteOutcomeStore,
  SqliteSpendStore,
  type TaskOutcome,
} from '../store/index.ts';
import type { CommandIo } from './io.ts';
import { sandboxEgressOf } from './sandbox-egress-config.ts';
import { createTaskModels } from './task-models.ts';
import { loadConfiguredPriceTable } from './task-price-table.ts';
import type { WardenContext } from './warden-context.ts';

/** What a command may override of the config for one run. */
export interface RuntimeOverrides {
  model?: string | undefined;
  maxUsd?: number | undefined;
  maxSteps?: number | undefined;
  /** The task's kind (`--kind`), matched against `router.routes` `kind:NAME`. */
  kind?: string | undefined;
  /**
   * A resumed task: the limits it recorded at its start (its `task-start` event's `limits`), which it
   * keeps; the current config may only tighten them, unless `allowLoosen`.
   */
  resume?: { taskId: string; recorded: unknown; allowLoosen: boolean } | undefined;
}

/**
 * Builds everything a task runs with from the context and the config: the model client, the sandbox
 * driver, the Cedar policy engine, the approval inbox, the spend ledger and the circuit breakers.
 * Throws the user's mistakes (bad model spec, missing key, bad bundle) before any task starts.
 */
export async function createTaskRuntime(
  context: WardenContext,
  io: CommandIo,
  overrides: RuntimeOverrides,
): Promise<{ runtime: TaskRuntime; modelName: string; limitChanges: LimitChange[] }> {
  const { config, store, journal } = context;
  const configuredPrices = loadConfiguredPriceTable(config);
  const bundle = loadPolicyBundle(config.policy.bundle ?? defaultBundleDir());
  const agent = { name: config.agent.name, team: config.agent.team };
  const webhook = config.webhook.url;
  const breakers = new CircuitBreakers({
    book: new SqliteBreakerStore(store.database),
    settings: config.breakers,
    notify: async (breaker) => {
      io.err(`breaker open: ${breaker.kind} on ${breaker.scope}: ${breaker.reason}\n`);
      if (webhook) await postWebhook({ url: webhook, timeoutMs: config.webhook.timeoutMs }, breaker);
    },
    onNotifyError: (error) => io.err(`warning: the breaker webhook failed: ${(error as Error).message}\n`),
  });
  const { model, higherTiers, modelName, priceTable } = await createTaskModels({
    config,
    env: context.env,
    priceTable: configuredPrices,
    requested: overrides.model,
    kind: overrides.kind,
    breakers,
    batch: config.agent.batch ? { book: new SqliteBatchStore(store.database) } : undefined,
    warn: io.err,
  });
  const egress = sandboxEgressOf(config, context.env);
  const current: TaskLimits = {
    maxSteps: overrides.maxSteps ?? config.budget.maxSteps,
    maxWallSeconds: config.budget.maxWallSeconds,
    maxUsd: overrides.maxUsd ?? config.budget.maxUsd,
    maxTokens: config.budget.maxTokens,
    sandbox: {
      memoryBytes: config.sandbox.limits.memoryMb * 1024 ** 2,
      processes: config.sandbox.limits.processes,
      cpuSeconds: config.sandbox.limits.cpuSeconds,
      fileSizeBytes: config.sandbox.limits.fileSizeMb * 1024 ** 2,
      workspaceBytes: config.sandbox.limits.workspaceMb * 1024 ** 2,
      commandTimeoutMs: config.sandbox.commandTimeoutMs,
      maxCommandTimeoutMs: config.sandbox.maxCommandTimeoutMs,
      maxOutputBytes: config.sandbox.maxOutputBytes,
    },
    egressHosts: egressHostsOf(egress),
    policyBundleHash: bundle.hash,
    models: [model.label, ...higherTiers.map((tier) => tier.label)],
    priceTableVersion: priceTable.version,
  };
  const { resume } = overrides;
  const { limits, changes } = resume
    ? limitsForResume(
        resume.taskId,
        parseRecordedLimits(resume.taskId, resume.recorded),
        current,
        resume.allowLoosen,
      )
    : { limits: current, changes: [] };
  const ledger = new SpendLedger({
    book: new SqliteSpendStore(store.database),
    limits: { ...config.limits, taskUsd: limits.maxUsd, taskTokens: limits.maxTokens },
  });
  const approvals = new ApprovalInbox({
    store: new SqliteApprovalStore(store.database, { ttlMs: config.policy.approvalTtlHours * 3_600_000 }),
    journal,
  });
  const runtime: TaskRuntime = {
    store,
    journal,
    sandbox: createBubblewrapDriver(),
    createDecider: (workspaceDir) =>
      createCedarPolicyEngine({
        bundle,
        principal: { agent: agent.name, team: agent.team, trustTier: config.agent.trustTier },
        workspace: { hostDir: workspaceDir, protectedPaths: config.sandbox.protectedPaths },
        unparsable: config.policy.unparsable,
      }),
    approvals,
    ledger,
    breakers,
    agent,
    model,
    priceTable,
    counterfactualKey: config.economics.counterfactualModel,
    scratchDir: context.scratchDir,
    taskLimits: limits,
    limits: { maxSteps: limits.maxSteps, maxWallSeconds: limits.maxWallSeconds },
    commandTimeoutMs: limits.sandbox.commandTimeoutMs,
    maxCommandTimeoutMs: limits.sandbox.maxCommandTimeoutMs,
    maxOutputBytes: limits.sandbox.maxOutputBytes,
    sandboxLimits: {
      memoryBytes: limits.sandbox.memoryBytes,
      processes: limits.sandbox.processes,
      cpuSeconds: limits.sandbox.cpuSeconds,
      fileSizeBytes: limits.sandbox.fileSizeBytes,
      workspaceBytes: limits.sandbox.workspaceBytes,
    },
    protectedPaths: config.sandbox.protectedPaths,
    egress,
    maxOutputTokens: config.agent.maxOutputTokens,
    toolOutputChars: config.agent.toolOutputChars,
    check: config.agent.check,
    higherTiers,
    preChecks: config.agent.preChecks,
  };
  return { runtime, modelName, limitChanges: changes };
}

/** Books a finished task's outcome for `warden cost`; a task still waiting has none yet. */
export function recordOutcome(
  context: WardenContext,
  runtime: TaskRuntime,
  taskId: string,
  status: string,
  steps = 0,
): void {
  if (status === 'running' || status === 'awaiting_approval') return;
  new SqliteOutcomeStore(context.store.database).record({
    taskId,
    outcome: status as TaskOutcome,
    agent: runtime.agent.name,
    team: runtime.agent.team,
    // Only a pre-check ends a task before any model call; a check can find it already done later.
    earlyExit: (status === 'already-done' || status === 'not-actionable') && steps === 0,
  });
}

/** The hosts an egress setting lets the sandbox reach, upstreams included, sorted: what a task records. */
function egressHostsOf(egress: ReturnType<typeof sandboxEgressOf>): string[] {
  if (!egress) return [];
  const upstreams = (egress.upstreams ?? []).map((upstream) => `upstream:${upstream.name}=${upstream.url}`);
  return [...new Set([...egress.allow, ...upstreams])].sort();
}
