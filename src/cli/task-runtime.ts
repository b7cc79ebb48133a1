import { ApprovalInbox } from '../actions/index.ts';
import type { TaskRuntime } from '../agent/index.ts';
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
): Promise<{ runtime: TaskRuntime; modelName: string }> {
  const { config, store, journal } = context;
  const configuredPrices = loadConfiguredPriceTable(config);
  const bundle = loadPolicyBundle(config.policy.bundle ?? defaultBundleDir());
  const agent = { name: config.agent.name, team: config.agent.team };
  const ledger = new SpendLedger({
    book: new SqliteSpendStore(store.database),
    limits: {
      taskUsd: overrides.maxUsd ?? config.budget.maxUsd,
      taskTokens: config.budget.maxTokens,
      ...config.limits,
    },
  });
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
    limits: {
      maxSteps: overrides.maxSteps ?? config.budget.maxSteps,
      maxWallSeconds: config.budget.maxWallSeconds,
    },
    commandTimeoutMs: config.sandbox.commandTimeoutMs,
    maxCommandTimeoutMs: config.sandbox.maxCommandTimeoutMs,
    maxOutputBytes: config.sandbox.maxOutputBytes,
    sandboxLimits: {
      memoryBytes: config.sandbox.limits.memoryMb * 1024 ** 2,
      processes: config.sandbox.limits.processes,
      cpuSeconds: config.sandbox.limits.cpuSeconds,
      fileSizeBytes: config.sandbox.limits.fileSizeMb * 1024 ** 2,
      workspaceBytes: config.sandbox.limits.workspaceMb * 1024 ** 2,
    },
    protectedPaths: config.sandbox.protectedPaths,
    egress: sandboxEgressOf(config, context.env),
    maxOutputTokens: config.agent.maxOutputTokens,
    toolOutputChars: config.agent.toolOutputChars,
    check: config.agent.check,
    higherTiers,
    preChecks: config.agent.preChecks,
  };
  return { runtime, modelName };
}

/** Books a finished task's outcome for `warden cost`; a task still waiting has none yet. */
export function recordOutcome(
  context: WardenContext,
  runtime: TaskRuntime,
  taskId: string,
  status: string,
): void {
  if (status === 'running' || status === 'awaiting_approval') return;
  new SqliteOutcomeStore(context.store.database).record({
    taskId,
    outcome: status as TaskOutcome,
    agent: runtime.agent.name,
    team: runtime.agent.team,
    earlyExit: status === 'already-done' || status === 'not-actionable',
  });
}
