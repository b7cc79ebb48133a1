import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SystemError, UnsupportedError, UserError } from '../spec/errors.ts';
import {
  DEFAULT_PROTECTED_PATHS,
  type ExecResult,
  type LimitName,
  SANDBOX_WORKDIR,
  type Sandbox,
  type SandboxDriver,
} from '../spec/sandbox.ts';
import { createCappedOutput } from './internal/capped-output.ts';
import { egressWanted } from './internal/sandbox-egress.ts';
import { isProtectedPath } from './protected-paths.ts';

export interface E2bSettings {
  /** The E2B API key. Required; the caller reads it from `E2B_API_KEY`. */
  apiKey: string;
  /** Sandbox template. Default: E2B's base template. */
  template?: string;
}

/** Paths inside the remote sandbox: workspace-relative or under /workspace, never leaving it. */
function remotePath(userPath: string): string {
  const relative = userPath.startsWith(`${SANDBOX_WORKDIR}/`)
    ? userPath.slice(SANDBOX_WORKDIR.length + 1)
    : userPath;
  const normalized = path.posix.normalize(relative);
  if (
    path.posix.isAbsolute(normalized) ||
    normalized === '..' ||
    normalized.startsWith('../') ||
    userPath.includes('\0')
  )
    throw new UserError(
      'path-outside-workspace',
      `${userPath}: is outside the workspace (${SANDBOX_WORKDIR})`,
    );
  return path.posix.join(SANDBOX_WORKDIR, normalized);
}

/**
 * A sandbox driver on E2B's hosted micro-VMs (through the `e2b` SDK): one VM per sandbox, created
 * without internet access, the host workspace's files copied up at `create`. Isolation from the host is
 * the VM boundary. What it enforces: wall time and output (here), an allow-listed environment, protected
 * paths in `writeFile`. What it does NOT enforce, and says so by failing those conformance cases: memory,
 * process, CPU and file-size limits beyond the template's VM size, protected paths for shell commands,
 * and changes do not come back to the host workspace (read them with `readFile`). Does no I/O until
 * `check`.
 */
export function createE2bDriver(settings: E2bSettings): SandboxDriver {
  const load = async () => (await import('e2b')).Sandbox;

  return {
    name: 'e2b',
    async check() {
      if (!settings.apiKey)
        throw new UserError('sandbox-unavailable', 'no E2B API key', { hint: 'set E2B_API_KEY' });
    },
    async create(sandboxSettings): Promise<Sandbox> {
      if (egressWanted(sandboxSettings.egress)) throw new UnsupportedError('egress from the E2B driver');
      await this.check();
      const E2bSandbox = await load();
      const protectedPaths = sandboxSettings.protectedPaths ?? DEFAULT_PROTECTED_PATHS;
      let remote: InstanceType<typeof E2bSandbox>;
      try {
        const options = { apiKey: settings.apiKey, allowInternetAccess: false };
        remote = settings.template
          ? await E2bSandbox.create(settings.template, options)
          : await E2bSandbox.create(options);
        await remote.files.makeDir(SANDBOX_WORKDIR);
        const workspaceDir = path.resolve(sandboxSettings.workspaceDir);
        for (const entry of await readdir(workspaceDir, { recursive: true, withFileTypes: true })) {
          if (!entry.isFile()) continue;
          const hostPath = path.join(entry.parentPath, entry.name);
          const content = await readFile(hostPath);
          await remote.files.write(
            remotePath(path.relative(workspaceDir, hostPath)),
            new Uint8Array(content).buffer,
          );
        }
      } catch (error) {
        throw new SystemError('sandbox-failed', `could not create the E2B sandbox: ${String(error)}`, {
          cause: error,
        });
      }

      return {
        workspaceDir: sandboxSettings.workspaceDir,
        async readFile(userPath) {
          return Buffer.from(await remote.files.read(remotePath(userPath), { format: 'bytes' }));
        },
        async writeFile(userPath, content) {
          const target = remotePath(userPath);
          if (isProtectedPath(path.posix.relative(SANDBOX_WORKDIR, target), protectedPaths))
            throw new UserError(
              'path-protected',
              `${userPath}: is a protected path; changing it needs approval`,
            );
          await remote.files.write(
            target,
            typeof content === 'string' ? content : new Uint8Array(content).buffer,
          );
        },
        async destroy() {
          await remote.kill().catch(() => {});
        },
        async exec(command, options): Promise<ExecResult> {
          const stdout = createCappedOutput(options.maxOutputBytes);
          const stderr = createCappedOutput(options.maxOutputBytes);
          const startedAt = performance.now();
          let exitCode: number | null = null;
          let timedOut = false;
          try {
            const result = await remote.commands.run(command, {
              cwd: SANDBOX_WORKDIR,
              envs: { HOME: '/tmp', LANG: 'C.UTF-8', CI: 'true', ...options.env },
              timeoutMs: options.timeoutMs,
              onStdout: (data) => stdout.push(Buffer.from(data)),
              onStderr: (data) => stderr.push(Buffer.from(data)),
            });
            exitCode = result.exitCode;
          } catch (error) {
            const failed = error as { exitCode?: number; name?: string };
            if (typeof failed.exitCode === 'number') exitCode = failed.exitCode;
            else if (failed.name === 'TimeoutError') timedOut = true;
            else
              throw new SystemError('sandbox-failed', `the E2B command failed: ${String(error)}`, {
                cause: error,
              });
          }
          const exceeded: LimitName[] = [];
          if (timedOut) exceeded.push('wall-time');
          if (stdout.truncated || stderr.truncated) exceeded.push('output');
          return {
            exitCode,
            signal: timedOut ? 'SIGKILL' : null,
            stdout: stdout.text(),
            stderr: stderr.text(),
            stdoutBytes: stdout.bytes,
            stderrBytes: stderr.bytes,
            truncated: stdout.truncated || stderr.truncated,
            timedOut,
            limitsExceeded: exceeded,
            durationMs: Math.round(performance.now() - startedAt),
          };
        },
      };
    },
  };
}
