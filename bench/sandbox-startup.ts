import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBubblewrapDriver } from '../src/sandbox/index.ts';
import { buildBubblewrapArguments } from '../src/sandbox/internal/bubblewrap-arguments.ts';
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
  try {
    const driver = createBubblewrapDriver();
    await driver.check();
    const bareArgs = await buildBubblewrapArguments(
      { workspaceDir: workspace, nodeDir: path.dirname(process.execPath), env: {} },
      'true',
    );
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
      await time(sandboxed, () => driver.exec(workspace, 'true', options));
      await time(bare, () => spawnAndWait('bwrap', bareArgs));
      await time(plain, () => spawnAndWait('/bin/sh', ['-c', 'true']));
    }
    const sandboxedMs = summarize(sandboxed).median;
    const bareMs = summarize(bare).median;
    const plainMs = summarize(plain).median;
    return { sandboxedMs, bareMs, plainMs, vsBare: sandboxedMs / bareMs, vsPlain: sandboxedMs / plainMs };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
