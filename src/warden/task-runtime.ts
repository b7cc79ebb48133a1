import type { ApprovalInbox } from '../actions/index.ts';
import {
  createWorkspaceFiles,
  type LimitChange,
  limitsForResume,
  type OrchestratorRuntime,
  type PipelineStage,
  parseRecordedLimits,
  type TaintSettings,
  type TaskLimits,
  type TaskRuntime,
} from '../agent/index.ts';
import type { Config, Stage } from '../config/index.ts';
import {
  type CircuitBreakers,
  createSecretScanner,
  describeOpenBreaker,
  SpendLedger,
} from '../guard/index.ts';
import { withPackageGuard } from '../guard/package-guard/index.ts';
import type { Journal } from '../journal/index.ts';
import { createTaskModels, type PriceTable, type TaskModels } from '../model/index.ts';
import {
  createCedarPolicyEngine,
  createShellParser,
  declaresTaint,
  type PolicyBundle,
} from '../policy/index.ts';
import { createEgressAllowList, EGRESS_GROUPS, sandboxEgressOf } from '../sandbox/index.ts';
import type { Environment } from '../spec/env.ts';
import type { SandboxDriver } from '../spec/sandbox.ts';
import type { Store } from '../spec/store.ts';
import type { StoreSet } from '../spec/store-set.ts';
import { type ResolvedAgent, resolveAgent } from './agent-config.ts';
import { localizeSettingsOf } from './localize-settings.ts';
import { packageGuardOf } from './package-guard-of.ts';

/** The parts a task runtime is made of that the Warden builds once and shares between tasks. */
export interface SharedParts {
  config: Config;
  env: Environment;
  store: Store;
  /** Every store of the installation, on its engine (the same database as `store`). */
  stores: StoreSet;
  journal: Journal;
  scratchDir: string;
  /** Where repository mirrors are kept (`<dataDir>/mirrors`); undefined: workspaces use none. */
  mirrorsDir?: string | undefined;
  /** Where derived data is cached (`<dataDir>/cache`: the localizer's index); undefined: nothing cached. */
  cacheDir?: string | undefined;
  priceTable: () => PriceTable;
  bundle: () => PolicyBundle;
  breakers: CircuitBreakers;
  approvals: ApprovalInbox;
  sandbox: () => SandboxDriver;
  warn: (text: string) => void;
  /** A fleet worker's lease on its tasks, in ms (see `TaskRuntime.leaseMs`); undefined: none. */
  leaseMs?: number | undefined;
  /**
   * What secret fingerprints are salted with: a secret of the data directory, so that a fingerprint in
   * `agent.secretAllow` names the same secret in every run. Undefined: a salt per scanner.
   */
  secretSalt?: string | undefined;
}

/** What a command may override of the config for one run. */
export interface RuntimeOverrides {
  model?: string | undefined;
  maxUsd?: number | undefined;
  maxSteps?: number | undefined;
  /** The task's kind (`--kind`), matched against `router.routes` `kind:NAME`. */
  kind?: string | undefined;
  /** The agent to run (`--agent`): a name under `agents`; undefined or `default`: `agent:`'s. */
  agent?: string | undefined;
  /**
   * A resumed task: the limits it recorded at its start (its `task-start` event's `limits`), which it
   * keeps; the current config may only tighten them, unless `allowLoosen`.
   */
  resume?: { taskId: string; recorded: unknown; allowLoosen: boolean } | undefined;
}

/**
 * Builds everything one task runs with from the Warden's shared parts and the config: its model ladder,
 * its limits (a resumed task keeps those it recorded), its spend ledger and its policy engine. Throws
 * the user's mistakes (bad model spec, missing key, bad bundle) before any task starts. `shadow`: the
 * agent's `mode` is shadow; `delivers`: what the agent delivers.
 */
export async function createTaskRuntime(
  parts: SharedParts,
  overrides: RuntimeOverrides,
): Promise<{
  runtime: TaskRuntime;
  modelName: string;
  limitChanges: LimitChange[];
  shadow: boolean;
  delivers: 'pull-request' | 'comment';
}> {
  const { store, journal, breakers } = parts;
  const declared = resolveAgent(parts.config, overrides.agent);
  const { config } = declared;
  const configuredPrices = parts.priceTable();
  const bundle = parts.bundle();
  const agent = { name: config.agent.name, team: config.agent.team, trustTier: config.agent.trustTier };
  // Each stage's models once; the price table gathers the $0 entries of every unpriced model let run.
  let prices = configuredPrices;
  const made = new Map<ModelRole | undefined, TaskModels>();
  const modelsFor = async (stage?: ModelRole): Promise<TaskModels> => {
    const known = made.get(stage);
    if (known) return known;
    const models = await createTaskModels({
      config,
      env: parts.env,
      priceTable: prices,
      requested: overrides.model ?? stage?.model,
      kind: overrides.kind,
      stage: stage?.name,
      role: stage?.role,
      tier: stage?.tier,
      health: {
        openBreaker: async (modelKey) => {
          const open = await breakers.check([`model:${modelKey}`]);
          return open && describeOpenBreaker(open);
        },
        record: async (modelKey, failed, detail) => {
          await breakers.record({ type: 'model-call', modelKey, failed, detail });
        },
      },
      batch: config.agent.batch ? { book: parts.stores.batches } : undefined,
      warn: parts.warn,
    });
    prices = models.priceTable;
    made.set(stage, models);
    return models;
  };
  const stages = declared.stages && (await pipelineStages(declared.stages, modelsFor));
  const firstModelStage = declared.stages?.find((stage) => stage.prompt !== undefined);
  const planner: ModelRole | undefined = declared.orchestrator && {
    name: 'planner',
    tier: declared.orchestrator.planner.tier,
    model: declared.orchestrator.planner.model,
  };
  const firstRole: ModelRole | undefined = declared.swarm?.roles[0];
  const { model, higherTiers, modelName } = await modelsFor(firstModelStage ?? planner ?? firstRole);
  const orchestrator = declared.orchestrator && {
    planner: {
      prompt: declared.orchestrator.planner.prompt,
      tools: declared.orchestrator.planner.tools,
      maxSteps: declared.orchestrator.planner.maxSteps,
    },
    worker: await workerOf(declared.orchestrator.worker, modelsFor),
    maxParallel: declared.orchestrator.maxParallel,
  };
  const swarm = declared.swarm && {
    roles: await Promise.all(
      declared.swarm.roles.map(async (role) => {
        const made = await modelsFor(role);
        return { ...role, models: async () => made };
      }),
    ),
    stallSteps: declared.swarm.stallSteps,
  };
  const priceTable = prices;
  const egress = sandboxEgressOf(config, parts.env);
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
    book: parts.stores.spend,
    limits: { ...config.limits, taskUsd: limits.maxUsd, taskTokens: limits.maxTokens },
  });
  // The first decision would load the bash grammar and Cedar (WASM, ~0.5 s together). Started now,
  // the grammar compiles off the main thread; Cedar loads when the task's workspace is being made
  // (`warmUp`); failures are left for the first decision to meet and deny on.
  const shellParser = createShellParser();
  shellParser.parse('true').catch(() => {});
  const warmUp = () => {
    try {
      bundle.policySetFor('tool.shell');
    } catch {
      // The first decision meets it again.
    }
  };
  if (!declaresTaint(bundle) && !warnedTaint.has(bundle.hash)) {
    warnedTaint.add(bundle.hash);
    parts.warn(
      `the policy bundle's schema gives no context.taint, so untrusted input (an issue body, CI logs) makes nothing ask: add \`taint: Taint\` to its context types and the rules of the default bundle's taint.cedar (see docs/architecture/untrusted-content.md)`,
    );
  }
  // One guard per task: its registry lookups are cached for the task's life.
  const packageGuard = packageGuardOf(config);
  const runtime: TaskRuntime = {
    store,
    journal,
    sandbox: parts.sandbox(),
    createDecider: (workspaceDir, taint) => {
      const engine = createCedarPolicyEngine({
        bundle,
        principal: { agent: agent.name, team: agent.team, trustTier: config.agent.trustTier },
        workspace: { hostDir: workspaceDir, protectedPaths: config.sandbox.protectedPaths },
        shellParser,
        unparsable: config.policy.unparsable,
        taint,
      });
      if (packageGuard === undefined) return engine;
      // Lockfiles and requirement files are read through the same view the file tools get.
      const workspace = createWorkspaceFiles(workspaceDir, config.sandbox.protectedPaths);
      return withPackageGuard(engine, { guard: packageGuard, parser: shellParser, workspace });
    },
    taintSettings: taintSettingsOf(config),
    approvals: parts.approvals,
    ledger,
    breakers,
    agent,
    model,
    priceTable,
    counterfactualKey: config.economics.counterfactualModel,
    scratchDir: parts.scratchDir,
    mirrorsDir: parts.mirrorsDir,
    keepStoppedMs: config.recovery.keepInterruptedHours * 3_600_000,
    leaseMs: parts.leaseMs,
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
    compaction: config.agent.compaction,
    localize: await localizeSettingsOf({ ...parts, config, priceTable, requested: overrides.model }),
    check: config.agent.check,
    higherTiers,
    preChecks: config.agent.preChecks,
    stages,
    orchestrator,
    swarm,
    warmUp,
    instructions: declared.prompt,
    tools: declared.tools,
    secretScanner: createSecretScanner({ salt: parts.secretSalt, allow: config.agent.secretAllow }),
  };
  return {
    runtime,
    modelName,
    limitChanges: changes,
    shadow: config.agent.mode === 'shadow',
    delivers: config.agent.delivers,
  };
}

/** What a stage or role's models are made for: routes see `stage:NAME`, a scripted model speaks `role`. */
interface ModelRole {
  name: string;
  tier?: Stage['tier'];
  model?: string | undefined;
  /** Default: `name`. */
  role?: string | undefined;
}

/**
 * An orchestrator's worker as a task runs it: its models are made per subtask (a scripted model speaks
 * `worker:ID`), once here first so the price table holds every unpriced model it may run.
 */
async function workerOf(
  worker: NonNullable<ResolvedAgent['orchestrator']>['worker'],
  modelsFor: (role: ModelRole) => Promise<TaskModels>,
): Promise<OrchestratorRuntime['worker']> {
  const role = { name: 'worker', tier: worker.tier, model: worker.model };
  await modelsFor(role).catch(() => {});
  return {
    ...worker,
    models: (subtaskId) => modelsFor({ ...role, role: `worker:${subtaskId}` }),
  };
}

/** A pipeline's stages as a task runs them: each model stage with its own models. */
async function pipelineStages(
  stages: readonly Stage[],
  modelsFor: (stage: Stage) => Promise<TaskModels>,
): Promise<PipelineStage[]> {
  const made: PipelineStage[] = [];
  for (const stage of stages) {
    if (stage.run !== undefined) {
      made.push({
        kind: 'command',
        name: stage.name,
        command: stage.run,
        expect: stage.expect ?? 'exit-0',
        outcome: stage.outcome ?? 'failed',
        says: stage.says,
      });
      continue;
    }
    const { model, higherTiers } = await modelsFor(stage);
    made.push({
      kind: 'model',
      name: stage.name,
      prompt: stage.prompt ?? '',
      tools: stage.tools,
      model,
      higherTiers,
      maxSteps: stage.maxSteps,
      maxUsd: stage.maxUsd,
      check: stage.check,
    });
  }
  return made;
}

/** The hosts an egress setting lets the sandbox reach, upstreams included, sorted: what a task records. */
function egressHostsOf(egress: ReturnType<typeof sandboxEgressOf>): string[] {
  if (!egress) return [];
  const upstreams = (egress.upstreams ?? []).map((upstream) => `upstream:${upstream.name}=${upstream.url}`);
  return [...new Set([...egress.allow, ...upstreams])].sort();
}

/** Bundles already warned about lacking `context.taint`, by hash: once per process. */
const warnedTaint = new Set<string>();

/**
 * Which sources taint the config's tasks: its `provenance.untrusted`; responses from the package
 * registries of its egress groups never taint (what they serve is judged by the package guard).
 */
function taintSettingsOf(config: Config): TaintSettings {
  const registries = createEgressAllowList(
    config.sandbox.egress.groups.flatMap(
      (group) => EGRESS_GROUPS[typeof group === 'string' ? group : group.name],
    ),
  );
  return {
    untrusted: new Set(config.provenance.untrusted),
    quietHost: (host, port) => registries.allows(host, port),
  };
}
