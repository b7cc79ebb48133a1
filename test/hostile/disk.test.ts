import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createBubblewrapDriver } from '../../src/sandbox/index.ts';
import type { ExecOptions, ResourceLimits } from '../../src/spec/sandbox.ts';
import { createAttackTally } from './harness.ts';

const bubblewrapInstalled = spawnSync('bwrap', ['--version']).status === 0;
const MIB = 1024 ** 2;
const LIMITS: Partial<ResourceLimits> = { workspaceBytes: 32 * MIB, fileSizeBytes: 16 * MIB };
const OPTIONS: ExecOptions = { timeoutMs: 60_000, maxOutputBytes: 64 * 1024 };

/** Bytes of the regular files directly in `directory` whose name starts with `prefix`. */
function bytesOf(directory: string, prefix: string): number {
  return readdirSync(directory)
    .filter((name) => name.startsWith(prefix))
    .reduce((total, name) => total + lstatSync(path.join(directory, name)).size, 0);
}

describe.skipIf(!bubblewrapInstalled)('hostile: filling the host disk from the workspace', () => {
  createAttackTally('disk');
  const workspace = mkdtempSync(path.join(tmpdir(), 'warden-hostile-disk-'));
  mkdirSync(path.join(workspace, '.git'));
  writeFileSync(path.join(workspace, '.git', 'config'), '[core]\n');
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));

  it('a command writing many files fast is stopped near the workspace limit, not after it', async () => {
    const sandbox = await createBubblewrapDriver().create({ workspaceDir: workspace, limits: LIMITS });
    try {
      // 100 files of 8 MiB each, every one under the file-size limit: 800 MiB against a 32 MiB workspace.
      const result = await sandbox.exec(
        'i=0; while [ $i -lt 100 ]; do head -c 8M /dev/zero > f$i; i=$((i+1)); done; echo finished',
        OPTIONS,
      );
      const written = bytesOf(workspace, 'f');
      expect(result.limitsExceeded).toContain('disk');
      expect(result.stdout).not.toContain('finished');
      expect(result.stderr).toMatch(/warden: .*disk limit/);
      expect(written, `${written / MIB} MiB written`).toBeLessThan(32 * MIB + 96 * MIB);
      // Space freed, the workspace works again.
      const after = await sandbox.exec('rm -f f*; echo fine', OPTIONS);
      expect(after).toMatchObject({ exitCode: 0, stdout: 'fine\n', limitsExceeded: [] });
    } finally {
      await sandbox.destroy();
    }
  });

  it('another host process writing on the same filesystem does not stop a command', async () => {
    const sandbox = await createBubblewrapDriver().create({ workspaceDir: workspace, limits: LIMITS });
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'warden-hostile-disk-host-'));
    try {
      const running = sandbox.exec(
        'touch started; while [ ! -e go ]; do sleep 0.05; done; rm -f started go; echo ok',
        OPTIONS,
      );
      await vi.waitFor(() => expect(existsSync(path.join(workspace, 'started'))).toBe(true), {
        timeout: 20_000,
      });
      // Twice the workspace's limit, outside it: the filesystem grows, the workspace does not.
      writeFileSync(path.join(elsewhere, 'host.bin'), Buffer.alloc(64 * MIB, 1));
      writeFileSync(path.join(workspace, 'go'), '');
      const result = await running;
      expect(result).toMatchObject({ exitCode: 0, stdout: 'ok\n', limitsExceeded: [] });
    } finally {
      await sandbox.destroy();
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('space freed elsewhere on the host while the command writes does not hide what it wrote', async () => {
    const sandbox = await createBubblewrapDriver().create({ workspaceDir: workspace, limits: LIMITS });
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'warden-hostile-disk-host-'));
    try {
      // Another process's file on the same filesystem, deleted while the command writes: the free blocks
      // go up overall, though the workspace grows past its limit.
      writeFileSync(path.join(elsewhere, 'host.bin'), Buffer.alloc(128 * MIB, 1));
      const running = sandbox.exec(
        'touch started; while [ ! -e go ]; do sleep 0.05; done; for i in 1 2 3 4 5 6; do head -c 7M /dev/zero > g$i; done; echo wrote',
        OPTIONS,
      );
      await vi.waitFor(() => expect(existsSync(path.join(workspace, 'started'))).toBe(true), {
        timeout: 20_000,
      });
      rmSync(path.join(elsewhere, 'host.bin'));
      writeFileSync(path.join(workspace, 'go'), '');
      const result = await running;
      expect(result.limitsExceeded).toContain('disk');
      expect((await sandbox.exec('true', OPTIONS)).limitsExceeded).toContain('disk');
    } finally {
      await sandbox.exec('rm -f g* started go', OPTIONS);
      await sandbox.destroy();
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('files written between commands with the file tools count too', async () => {
    const sandbox = await createBubblewrapDriver().create({ workspaceDir: workspace, limits: LIMITS });
    try {
      expect((await sandbox.exec('true', OPTIONS)).limitsExceeded).toEqual([]);
      for (let index = 0; index < 5; index += 1)
        await sandbox.writeFile(`tool-${index}.bin`, Buffer.alloc(8 * MIB, 1));
      const result = await sandbox.exec('true', OPTIONS);
      expect(result.limitsExceeded).toContain('disk');
    } finally {
      await sandbox.destroy();
      for (let index = 0; index < 5; index += 1)
        rmSync(path.join(workspace, `tool-${index}.bin`), { force: true });
    }
  });
});
