import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createWorkspaceFiles } from '../agent/index.ts';
import { type Config, loadConfig } from '../config/index.ts';
import { judgeInstalls, type PackageVerdict, withVerdicts } from '../guard/package-guard/index.ts';
import {
  type BacktestReport,
  backtestPolicy,
  createCedarPolicyEngine,
  createShellParser,
  loadPolicyBundle,
} from '../policy/index.ts';
import { UNTAINTED } from '../spec/provenance.ts';
import { packageGuardOf } from './package-guard-of.ts';
import type { PolicyJournal } from './warden.ts';

export type { PolicyStats, PolicyTestReport } from '../policy/index.ts';
export { defaultBundleDir, policyStats, runPolicyTests } from '../policy/index.ts';

/** What `warden policy check` reports of a valid bundle. */
export interface BundleSummary {
  dir: string;
  hash: string;
  policies: number;
  entities: number;
}

/**
 * Parses the bundle at `dir` and validates every policy against its schema.
 *
 * @throws UserError when the bundle is invalid.
 */
export function checkPolicyBundle(dir: string): BundleSummary {
  const bundle = loadPolicyBundle(dir);
  return { dir, hash: bundle.hash, policies: bundle.policies.length, entities: bundle.entities.size };
}

/** One tool call to explain, and who is asking. */
export interface ExplainRequest {
  bundleDir: string;
  workspaceDir: string;
  tool: string;
  input: unknown;
  principal: { agent: string; team: string; trustTier: number };
  unparsable: 'ask' | 'deny';
  /**
   * The config file whose `packages` (and `agent.installScripts`) the package guard runs with, as a
   * task would; undefined: the defaults (the guard on, the public registries).
   */
  configPath?: string | undefined;
  /** Judge the call as a task tainted by these kinds of source would be (`context.taint`); undefined: untainted. */
  taintedBy?: readonly string[] | undefined;
}

/**
 * The decision of the bundle at `bundleDir` on one tool call, the policies that made it and the facts,
 * and the package guard's verdict on every install the call makes (`packages`), folded into the decision
 * as a task's decider folds it.
 */
export async function explainToolCall(request: ExplainRequest) {
  const shellParser = createShellParser();
  const engine = createCedarPolicyEngine({
    bundle: loadPolicyBundle(request.bundleDir),
    principal: request.principal,
    workspace: { hostDir: request.workspaceDir },
    unparsable: request.unparsable,
    shellParser,
    taint: () =>
      request.taintedBy === undefined
        ? UNTAINTED
        : { tainted: true, sources: [...request.taintedBy].sort(), since: new Date(0).toISOString() },
  });
  const call = { id: 'explain', name: request.tool, input: request.input };
  const explanation = await engine.explain(call);
  const config: Config = loadConfig(request.configPath);
  const guard = packageGuardOf(config);
  let packages: PackageVerdict[] = [];
  if (guard !== undefined && explanation.decision !== 'deny') {
    const workspace = createWorkspaceFiles(request.workspaceDir, config.sandbox.protectedPaths);
    packages = await judgeInstalls({ guard, parser: shellParser, workspace }, call);
  }
  return { ...withVerdicts(explanation, packages), packages };
}

/**
 * Replays the recorded calls of `journals` against the bundle at `bundleDir`. The original workspaces
 * are gone: paths are judged against an empty one, so symlinks do not replay.
 */
export async function backtestBundle(request: {
  bundleDir: string;
  /** The journals to replay, read once the bundle has loaded. */
  journals: () => Promise<readonly PolicyJournal[]>;
  since: Date | undefined;
  examples: number;
  unparsable: 'ask' | 'deny';
}): Promise<BacktestReport & { bundleHash: string }> {
  const bundle = loadPolicyBundle(request.bundleDir);
  const journals = await request.journals();
  const workspace = mkdtempSync(path.join(tmpdir(), 'warden-backtest-'));
  const shellParser = createShellParser();
  try {
    const report = await backtestPolicy(
      journals,
      (journal) =>
        createCedarPolicyEngine({
          bundle,
          principal: { agent: journal.agent, team: 'default', trustTier: 1 },
          workspace: { hostDir: workspace },
          unparsable: request.unparsable,
          shellParser,
        }),
      { since: request.since, examples: request.examples },
    );
    return { bundleHash: bundle.hash, ...report };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
