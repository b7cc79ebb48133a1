import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ExecOptions, ResourceLimits, Sandbox, SandboxDriver } from '../spec/sandbox.ts';

export interface SandboxConformanceOptions {
  /** Makes the driver under test; called once per suite. */
  createDriver: () => SandboxDriver;
  /** Suite title. Default: `sandbox conformance`. */
  name?: string;
  /** Skip the whole suite with this reason printed (for example, no engine reachable). */
  skipReason?: string;
  /** Per-test timeout in ms. Default: 60 000 (remote drivers are slow to start). */
  timeoutMs?: number;
}

/** Limits small enough to hit quickly, large enough for node to start. */
const TEST_LIMITS: ResourceLimits = {
  memoryBytes: 512 * 1024 ** 2,
  processes: 128,
  cpuSeconds: 5,
  fileSizeBytes: 8 * 1024 ** 2,
  workspaceBytes: 32 * 1024 ** 2,
};
const OPTIONS: ExecOptions = { timeoutMs: 20_000, maxOutputBytes: 64 * 1024 };

/**
 * Registers the Vitest suite every sandbox driver must pass: exit codes and output, the output cap with
 * full sizes counted, a timeout that ends the whole tree (a double-forked sleeper included), no network,
 * writes only in the workspace and /tmp, existing protected paths read-only and missing ones kept absent, an allow-listed
 * environment, and the memory, process, CPU, file-size and disk limits. Await it at the top level of a
 * test file; it imports Vitest lazily, so importing the sandbox module never loads it.
 */
export async function runSandboxConformance(options: SandboxConformanceOptions): Promise<void> {
  const { afterAll, beforeAll, describe, expect, it } = await import('vitest');
  const title = options.name ?? 'sandbox conformance';
  if (options.skipReason) {
    console.warn(`${title}: skipped: ${options.skipReason}`);
    describe.skip(`${title} (skipped: ${options.skipReason})`, () => {
      it('runs the conformance suite', () => {});
    });
    return;
  }
  const timeout = options.timeoutMs ?? 60_000;

  describe(title, () => {
    let workspace: string;
    let sandbox: Sandbox;
    const secret = `conformance-secret-${Math.random().toString(36).slice(2)}`;

    beforeAll(async () => {
      workspace = await mkdtemp(path.join(os.tmpdir(), 'warden-conformance-'));
      await mkdir(path.join(workspace, '.git'));
      await writeFile(path.join(workspace, '.git', 'config'), '[core]\n');
      await mkdir(path.join(workspace, '.github', 'workflows'), { recursive: true });
      await writeFile(path.join(workspace, '.github', 'workflows', 'ci.yml'), 'on: push\n');
      await writeFile(path.join(workspace, 'README.md'), 'hello\n');
      process.env.WARDEN_CONFORMANCE_SECRET = secret;
      sandbox = await options.createDriver().create({ workspaceDir: workspace, limits: TEST_LIMITS });
    }, timeout);

    afterAll(async () => {
      delete process.env.WARDEN_CONFORMANCE_SECRET;
      await sandbox?.destroy();
      await rm(workspace, { recursive: true, force: true });
    }, timeout);

    it('reports exit codes and output, and works in the workspace', { timeout }, async () => {
      const result = await sandbox.exec(
        'cat README.md; echo oops >&2; echo made > made.txt; exit 3',
        OPTIONS,
      );
      expect(result).toMatchObject({ exitCode: 3, stdout: 'hello\n', stderr: 'oops\n', timedOut: false });
      expect(result.limitsExceeded).toEqual([]);
      expect((await sandbox.readFile('made.txt')).toString()).toBe('made\n');
      await sandbox.writeFile('src/new.txt', 'written\n');
      expect((await sandbox.exec('cat src/new.txt', OPTIONS)).stdout).toBe('written\n');
    });

    it('caps output and counts its full size', { timeout }, async () => {
      const result = await sandbox.exec('head -c 200000 /dev/zero | tr "\\0" a', {
        ...OPTIONS,
        maxOutputBytes: 1000,
      });
      expect(result.stdout).toHaveLength(1000);
      expect(result.stdoutBytes).toBe(200_000);
      expect(result.truncated).toBe(true);
      expect(result.limitsExceeded).toContain('output');
    });

    it('kills the whole tree on timeout: a double-forked sleeper does not survive', { timeout }, async () => {
      const marker = `${workspace}/sleeper-alive`;
      const result = await sandbox.exec(`(setsid sh -c 'sleep 3; echo alive > sleeper-alive' &) ; sleep 60`, {
        ...OPTIONS,
        timeoutMs: 1000,
      });
      expect(result.timedOut).toBe(true);
      expect(result.limitsExceeded).toContain('wall-time');
      const after = await sandbox.exec('sleep 4; ls', OPTIONS);
      expect(after.stdout).not.toContain('sleeper-alive');
      await expect(readFile(marker)).rejects.toThrow();
    });

    it('has no network: a server on the host loopback cannot be reached', { timeout }, async () => {
      const server = createServer((socket) => socket.end('reached'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      try {
        const result = await sandbox.exec(
          `(exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && echo reached; bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' 2>/dev/null && echo reached; getent hosts example.com || echo no-dns`,
          OPTIONS,
        );
        expect(result.stdout).not.toContain('reached');
        expect(result.stdout).toContain('no-dns');
      } finally {
        server.close();
      }
    });

    it('writes only in the workspace and /tmp', { timeout }, async () => {
      const result = await sandbox.exec(
        'for target in /etc/x /usr/x /x /opt/x "$HOME/../x"; do touch "$target" 2>/dev/null && echo "wrote $target"; done; touch /tmp/x && echo tmp-ok',
        OPTIONS,
      );
      expect(result.stdout).toBe('tmp-ok\n');
    });

    it('keeps existing protected paths read-only, and removes what a command creates at missing ones', {
      timeout,
    }, async () => {
      const own = await mkdtemp(path.join(os.tmpdir(), 'warden-conformance-protected-'));
      try {
        await mkdir(path.join(own, '.git'));
        await writeFile(path.join(own, '.git', 'config'), '[core]\n');
        await mkdir(path.join(own, '.github', 'workflows'), { recursive: true });
        await writeFile(path.join(own, '.github', 'workflows', 'ci.yml'), 'on: push\n');
        const before = (await readdir(own)).sort();
        const protectedBox = await options.createDriver().create({ workspaceDir: own, limits: TEST_LIMITS });
        const attempt = (commands: string[]) =>
          commands.map((command) => `(${command}) 2>/dev/null && echo "changed: ${command}"`).join('; ');
        const existing = await protectedBox.exec(
          attempt([
            'echo x > .git/config',
            'echo x > .github/workflows/ci.yml',
            'echo x > .github/workflows/new.yml',
            'mv .github gh',
          ]),
          OPTIONS,
        );
        expect(existing.stdout).toBe('');
        expect(existing.limitsExceeded).toEqual([]);
        expect(await readFile(path.join(own, '.github', 'workflows', 'ci.yml'), 'utf8')).toBe('on: push\n');
        expect(await readFile(path.join(own, '.git', 'config'), 'utf8')).toBe('[core]\n');
        // The agent sees exactly the repository: no placeholder for the protected paths it lacks.
        expect((await readdir(own)).sort()).toEqual(before);
        expect((await protectedBox.exec('ls -a', OPTIONS)).stdout.split('\n').filter(Boolean)).toEqual(
          ['.', '..', ...before].sort(),
        );
        const missing = await protectedBox.exec(
          'echo x > .envrc; mkdir -p .husky && echo x > .husky/pre-commit; mkdir .vscode; echo x > .vscode/tasks.json',
          OPTIONS,
        );
        expect(missing.limitsExceeded).toContain('protected-path');
        expect((await readdir(own)).sort()).toEqual(before);
        await expect(protectedBox.writeFile('.envrc', 'x')).rejects.toMatchObject({ code: 'path-protected' });
        await expect(protectedBox.writeFile('.github/workflows/x.yml', 'x')).rejects.toMatchObject({
          code: 'path-protected',
        });
        await protectedBox.destroy();
        expect((await readdir(own)).sort()).toEqual(before);
      } finally {
        await rm(own, { recursive: true, force: true });
      }
    });

    it('builds the environment from an allow-list', { timeout }, async () => {
      const result = await sandbox.exec('env', { ...OPTIONS, env: { EXTRA: 'given' } });
      expect(result.stdout).toContain('EXTRA=given');
      expect(result.stdout).not.toContain(secret);
      expect(result.stdout).not.toContain('WARDEN_CONFORMANCE_SECRET');
    });

    it('stops a fork bomb at the process limit', { timeout }, async () => {
      const result = await sandbox.exec('bomb() { bomb | bomb & }; bomb; sleep 3; echo survived', OPTIONS);
      expect(result.timedOut).toBe(false);
      expect(result.limitsExceeded).toContain('processes');
      const after = await sandbox.exec('echo fine', OPTIONS);
      expect(after).toMatchObject({ exitCode: 0, stdout: 'fine\n' });
    });

    it('stops a memory hog at the memory limit', { timeout }, async () => {
      const result = await sandbox.exec(
        `node -e "const a=[]; for(;;) a.push(Buffer.alloc(64*1024*1024, 1))"`,
        OPTIONS,
      );
      const detail = `${result.exitCode} ${result.signal} ${result.stderr.slice(0, 300)}`;
      expect(result.exitCode, detail).not.toBe(0);
      expect(result.timedOut, detail).toBe(false);
      expect(result.limitsExceeded, detail).toContain('memory');
    });

    it('stops a CPU spinner at the CPU limit', { timeout }, async () => {
      const result = await sandbox.exec('while :; do :; done', OPTIONS);
      expect(result.timedOut).toBe(false);
      expect(result.limitsExceeded).toContain('cpu');
    });

    it('stops a disk filler at the file-size and workspace limits', { timeout }, async () => {
      const big = await sandbox.exec('dd if=/dev/zero of=filler bs=1M count=100 2>/dev/null', OPTIONS);
      expect(big.limitsExceeded).toContain('file-size');
      const size = (await sandbox.exec('wc -c < filler', OPTIONS)).stdout.trim();
      expect(Number(size)).toBeLessThanOrEqual(TEST_LIMITS.fileSizeBytes);
      const many = await sandbox.exec(
        'for i in 1 2 3 4 5 6; do dd if=/dev/zero of=fill-$i bs=1M count=7 2>/dev/null; done',
        OPTIONS,
      );
      expect(many.limitsExceeded).toContain('disk');
      await sandbox.exec('rm -f filler fill-*', OPTIONS);
    });
  });
}
