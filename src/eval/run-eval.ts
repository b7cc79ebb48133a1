import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { SandboxDriver } from '../spec/sandbox.ts';
import type { EvalReport, PatchSource, TrialResult } from './eval-report.ts';
import type { EvalInstance } from './eval-suite.ts';
import { evaluatePatch } from './evaluate-patch.ts';
import { prepareRepositories } from './prepare-repositories.ts';
import { summarizeTrials } from './summarize-trials.ts';
import { TrialStore, trialKey } from './trial-store.ts';

/** What the agent did on one trial, as `solve` reports it. */
export interface AgentAttempt {
  /** The agent's change against the base commit; empty when it made none. */
  patch: string;
  taskId: string;
  taskStatus: string;
  costUsd: number;
  tokens: number;
  toolCalls: number;
  toolErrors: number;
  policyDenials: number;
  earlyExit: boolean;
}

/** Where the patch of a trial comes from. */
export type PatchProvider =
  | { source: 'gold' }
  | { source: 'predictions'; file: string; patches: ReadonlyMap<string, string> }
  | {
      source: 'agent';
      agent?: string | undefined;
      model?: string | undefined;
      /** Runs the agent on the instance, on `repository` (a clone the run owns) at the base commit. */
      solve(instance: EvalInstance, repository: string, epoch: number): Promise<AgentAttempt>;
    };

/** How far a run is: told after each trial, and once before the first. */
export interface EvalProgress {
  done: number;
  total: number;
  /** Trials a previous run of this directory had finished. */
  skipped: number;
  trial?: TrialResult | undefined;
}

export interface EvalRunSettings {
  suite: string;
  instances: readonly EvalInstance[];
  provider: PatchProvider;
  epochs: number;
  concurrency: number;
  outDir: string;
  driver: SandboxDriver;
  onProgress?: ((progress: EvalProgress) => void) | undefined;
}

/**
 * Runs every trial (instance × epoch) of a suite that `outDir` has not finished yet, at most
 * `concurrency` at once, saving each as it ends, and returns the report of all of them (also written to
 * `outDir/report.json`). Instances a predictions file does not name are not submitted.
 *
 * @throws UserError `usage` when `outDir` holds a run of something else; `repo-invalid` for a repository
 *   that cannot be found or cloned.
 */
export async function runEval(settings: EvalRunSettings): Promise<EvalReport> {
  const { provider, epochs } = settings;
  const startedAt = new Date().toISOString();
  const store = new TrialStore(settings.outDir);
  await store.claim({
    suite: path.resolve(settings.suite),
    source: provider.source,
    agent: provider.source === 'agent' ? provider.agent : undefined,
    model: provider.source === 'agent' ? provider.model : undefined,
    predictions: provider.source === 'predictions' ? path.resolve(provider.file) : undefined,
    epochs,
  });
  const submitted = new Set(
    settings.instances
      .filter((instance) => provider.source !== 'predictions' || provider.patches.has(instance.instanceId))
      .map((instance) => instance.instanceId),
  );
  const finished = await store.finished();
  const pending: Array<{ instance: EvalInstance; epoch: number }> = [];
  for (const instance of settings.instances) {
    if (!submitted.has(instance.instanceId)) continue;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      if (!finished.has(trialKey(instance.instanceId, epoch))) pending.push({ instance, epoch });
    }
  }
  const total = submitted.size * epochs;
  let done = total - pending.length;
  settings.onProgress?.({ done, total, skipped: done });

  const scratchDir = path.join(store.dir, 'work');
  await mkdir(scratchDir, { recursive: true });
  const repositories = await prepareRepositories(
    pending.map((trial) => trial.instance),
    path.join(store.dir, 'repos'),
    provider.source === 'agent',
  );
  const runTrial = async ({ instance, epoch }: { instance: EvalInstance; epoch: number }) => {
    const began = Date.now();
    const repository = repositories.get(instance.instanceId)!;
    let attempt: AgentAttempt | undefined;
    let patch: string;
    if (provider.source === 'gold') patch = instance.patch;
    else if (provider.source === 'predictions') patch = provider.patches.get(instance.instanceId) ?? '';
    else {
      attempt = await provider.solve(instance, repository.root, epoch);
      patch = attempt.patch;
    }
    const evaluation = await evaluatePatch({
      instance,
      repository,
      patch,
      driver: settings.driver,
      scratchDir,
    });
    const trial: TrialResult = {
      instanceId: instance.instanceId,
      repo: instance.repo,
      epoch,
      ...evaluation,
      patch,
      taskId: attempt?.taskId,
      taskStatus: attempt?.taskStatus,
      costUsd: attempt?.costUsd ?? 0,
      tokens: attempt?.tokens ?? 0,
      toolCalls: attempt?.toolCalls ?? 0,
      toolErrors: attempt?.toolErrors ?? 0,
      policyDenials: attempt?.policyDenials ?? 0,
      earlyExit: attempt?.earlyExit ?? false,
      wallMs: Date.now() - began,
      startedAt: new Date(began).toISOString(),
      finishedAt: new Date().toISOString(),
    };
    await store.save(trial);
    finished.set(trialKey(instance.instanceId, epoch), trial);
    done += 1;
    settings.onProgress?.({ done, total, skipped: total - pending.length, trial });
  };
  await inPool(pending, Math.max(1, settings.concurrency), runTrial);

  const report = summarizeTrials(settings.instances, [...finished.values()], submitted, {
    suite: path.resolve(settings.suite),
    source: provider.source as PatchSource,
    agent: provider.source === 'agent' ? provider.agent : undefined,
    model: provider.source === 'agent' ? provider.model : undefined,
    epochs,
    startedAt,
    finishedAt: new Date().toISOString(),
  });
  await store.saveReport(report);
  return report;
}

/** Runs `work` on every item, `size` at a time; the first failure stops new work and is thrown. */
async function inPool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, lane));
  if (failure !== undefined) throw failure;
}
