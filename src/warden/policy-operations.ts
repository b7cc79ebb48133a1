import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type BacktestReport,
  backtestPolicy,
  createCedarPolicyEngine,
  createShellParser,
  loadPolicyBundle,
} from '../policy/index.ts';
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
}

/** The decision of the bundle at `bundleDir` on one tool call, the policies that made it and the facts. */
export async function explainToolCall(request: ExplainRequest) {
  const engine = createCedarPolicyEngine({
    bundle: loadPolicyBundle(request.bundleDir),
    principal: request.principal,
    workspace: { hostDir: request.workspaceDir },
    unparsable: request.unparsable,
  });
  return await engine.explain({ id: 'explain', name: request.tool, input: request.input });
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
