import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBubblewrapDriver } from '../src/sandbox/index.ts';
import { buildBubblewrapArguments } from '../src/sandbox/internal/bubblewrap-arguments.ts';
import { prepareProtectedMounts } from '../src/sandbox/internal/protected-mounts.ts';
import { parseProtectedPaths } from '../src/sandbox/protected-paths.ts';
import { DEFAULT_PROTECTED_PATHS } from '../src/spec/sandbox.ts';
import { summarize } from './stats.ts';

function spawnAndWait(program: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
}

/**
 * (b) A sandboxed `true` through Warden's driver against a bare `bwrap … true` with exactly the same
 * mounts and settings, and against a plain spawn of `true`, interleaved in one run; medians in ms.
 */
export async function benchSandboxStartup(rounds = 40) {
  const workspace = mkdtempSync(path.join(tmpdir(), 'warden-bench-sandbox-'));
  mkdirSync(path.join(workspace, '.git'));
  const sandbox = await createBubblewrapDriver()
    .create({ workspaceDir: workspace })
    .catch((error: unknown) => {
      rmSync(workspace, { recursive: true, force: true });
      throw error;
    });
  try {
    // The bare run gets the same mounts (protected paths included, their placeholders made outside the
    // timing), without Warden's per-command work: placeholders, cgroup, rlimits, the disk-use check.
    const entries = parseProtectedPaths(DEFAULT_PROTECTED_PATHS);
    const options = { timeoutMs: 10_000, maxOutputBytes: 65_536 };
    const sandboxed: number[] = [];
    const bare: number[] = [];
    const plain: number[] = [];
    const time = async (samples: number[], work: () => Promise<unknown>) => {
      const started = performance.now();
      await work();
      samples.push(performance.now() - started);
    };
    for (let round = 0; round < rounds; round++) {
      await time(sandboxed, () => sandbox.exec('true', options));
      const mounts = prepareProtectedMounts(workspace, entries);
      const bareArgs = await buildBubblewrapArguments(
        {
          workspaceDir: workspace,
          nodeDir: path.dirname(process.execPath),
          env: {},
          workspaceMounts: mounts.args,
        },
        'true',
      );
      await time(bare, () => spawnAndWait('bwrap', bareArgs));
      await time(plain, () => spawnAndWait('/bin/sh', ['-c', 'true']));
    }
    const sandboxedMs = summarize(sandboxed).median;
    const bareMs = summarize(bare).median;
    const plainMs = summarize(plain).median;
    return { sandboxedMs, bareMs, plainMs, vsBare: sandboxedMs / bareMs, vsPlain: sandboxedMs / plainMs };
  } finally {
    // The task's sandbox lives until destroyed: left running, it would keep `npm run bench` from exiting.
    await sandbox.destroy();
    rmSync(workspace, { recursive: true, force: true });
  }
}
