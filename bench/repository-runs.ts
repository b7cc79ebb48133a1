import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchRepository, HARNESS_EDIT, realRepository } from './real-repository.ts';
import { runCommand } from './run-command.ts';
import { demoRepositoryPlan, largeRepositoryPlan } from './trajectory.ts';
import { benchWardenVsBare, type WardenVsBareResult } from './warden-vs-bare.ts';

const DEMO_REPO = fileURLToPath(new URL('../examples/demo/repo/', import.meta.url));

/**
 * (i) `warden run` against the same operations bare, on the large real-source repository
 * (`realRepository`), with its 30-step trajectory; the user's repository is a plain clone of the cached
 * build, made before any timing.
 */
export async function benchLargeRepository(
  pairs = 5,
): Promise<WardenVsBareResult & { repository: BenchRepository }> {
  const repository = await realRepository();
  const workDir = mkdtempSync(path.join(tmpdir(), 'warden-bench-large-'));
  try {
    const repo = path.join(workDir, 'repo');
    await runCommand('git', ['clone', '--quiet', repository.dir, repo]);
    const plan = largeRepositoryPlan(repository.largeFiles, HARNESS_EDIT);
    return { ...(await benchWardenVsBare({ repo, plan, pairs, workDir })), repository };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** (j) The same on the small demo repository (examples/demo/repo, one commit), with a 30-step trajectory. */
export async function benchSmallRepository(pairs = 10): Promise<WardenVsBareResult> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'warden-bench-small-'));
  try {
    const repo = path.join(workDir, 'repo');
    cpSync(DEMO_REPO, repo, { recursive: true });
    const git = (...args: string[]) =>
      runCommand('git', ['-c', 'user.name=Demo Developer', '-c', 'user.email=dev@example.com', ...args], {
        cwd: repo,
      });
    await git('init', '--quiet', '--initial-branch=main');
    await git('add', '--all');
    await git('commit', '--quiet', '-m', 'shop-cart: a cart with a discount bug');
    return await benchWardenVsBare({ repo, plan: demoRepositoryPlan(), pairs, workDir });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
