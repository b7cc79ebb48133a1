import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBubblewrapDriver, createWorkspace } from '../src/sandbox/index.ts';
import { SystemError } from '../src/spec/errors.ts';
import type { SandboxSettings } from '../src/spec/sandbox.ts';
import { realRepository } from './real-repository.ts';
import { runCommand } from './run-command.ts';
import { summarize } from './stats.ts';

/**
 * (l) `git status` inside the sandbox against `git status` bare, on the large repository, as a ratio of
 * medians. The sandbox is a task's: a workspace made by `createWorkspace` from the user's repository
 * (a plain clone of the cached build), whose `.git/index` is written fresh on the host, and the
 * bubblewrap driver with its default settings. The bare run is `sh -c 'git status'` in a plain clone.
 * One warm-up each first (git writes a fresh clone's index on its first status, where it may), then
 * interleaved rounds; a sandboxed `true` is timed alongside, as the floor of any sandboxed command.
 */
export async function benchGitStatus(rounds = 10) {
  const repository = await realRepository();
  const workDir = mkdtempSync(path.join(tmpdir(), 'warden-bench-git-status-'));
  try {
    const repo = path.join(workDir, 'repo');
    const bareClone = path.join(workDir, 'bare');
    await runCommand('git', ['clone', '--quiet', repository.dir, repo]);
    await runCommand('git', ['clone', '--quiet', repo, bareClone]);
    const workspace = await createWorkspace({
      repo,
      scratchDir: path.join(workDir, 'scratch'),
      taskId: 'bench-git-status',
    });
    await workspace.ready;
    const settings: SandboxSettings = { workspaceDir: workspace.dir };
    const sandbox = await createBubblewrapDriver().create(settings);
    try {
      const options = { timeoutMs: 120_000, maxOutputBytes: 1_000_000 };
      const sandboxed: number[] = [];
      const bare: number[] = [];
      const floor: number[] = [];
      const time = async (samples: number[] | null, work: () => Promise<unknown>) => {
        const started = performance.now();
        await work();
        samples?.push(performance.now() - started);
      };
      const inSandbox = async (command: string) => {
        const result = await sandbox.exec(command, options);
        if (result.exitCode !== 0) {
          throw new SystemError('sandbox-failed', `\`${command}\` in the sandbox exited ${result.exitCode}`, {
            hint: result.stderr,
          });
        }
      };
      const bareStatus = () => runCommand('/bin/sh', ['-c', 'git status'], { cwd: bareClone });
      await time(null, () => inSandbox('git status'));
      await time(null, bareStatus);
      for (let round = 0; round < rounds; round++) {
        await time(sandboxed, () => inSandbox('git status'));
        await time(bare, bareStatus);
        await time(floor, () => inSandbox('true'));
      }
      const sandboxedMs = summarize(sandboxed).median;
      const bareMs = summarize(bare).median;
      return {
        sandboxedMs,
        bareMs,
        ratio: sandboxedMs / bareMs,
        trueMs: summarize(floor).median,
      };
    } finally {
      await sandbox.destroy();
      await workspace.destroy();
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
