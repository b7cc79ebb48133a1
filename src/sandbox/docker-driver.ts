import path from 'node:path';
import { PassThrough } from 'node:stream';
import { SystemError, UnsupportedError, UserError } from '../spec/errors.ts';
import {
  DEFAULT_PROTECTED_PATHS,
  DEFAULT_RESOURCE_LIMITS,
  type ExecResult,
  type LimitName,
  type ResourceLimits,
  SANDBOX_WORKDIR,
  type Sandbox,
  type SandboxDriver,
} from '../spec/sandbox.ts';
import { createCappedOutput } from './internal/capped-output.ts';
import { createDiskGuard, DISK_POLL_MS } from './internal/disk-guard.ts';
import { createHostFiles } from './internal/host-files.ts';
import { prepareProtectedMounts } from './internal/protected-mounts.ts';
import { removeProtectedRemnants } from './internal/protected-remnants.ts';
import { egressWanted } from './internal/sandbox-egress.ts';
import { parseProtectedPaths } from './protected-paths.ts';

export interface DockerSettings {
  /** Image the commands run in; it must have `/bin/sh`. Default: `node:24-bookworm-slim`. */
  image?: string;
  /** Passed to dockerode; default: what dockerode reads from `DOCKER_HOST` (or the local socket). */
  connection?: Record<string, unknown>;
}

/**
 * A sandbox driver on a Docker engine (through `dockerode`): one container per command, from `image`,
 * with no network, a read-only root, a private size-capped /tmp, all capabilities dropped,
 * `no-new-privileges`, memory and pids limits from the engine's cgroups, CPU-time and file-size
 * ulimits, an allow-listed environment, and the workspace bind-mounted with existing protected paths
 * read-only (what a command creates at a missing one is removed after it, as in the bubblewrap driver;
 * the container must run as the host user for that removal to be allowed). The engine must see the
 * workspace's host path (a local engine). Wall time: the container is killed; disk use is watched as in
 * the bubblewrap driver (the container is killed past the limit). Does no I/O until `check`.
 */
export function createDockerDriver(settings: DockerSettings = {}): SandboxDriver {
  const image = settings.image ?? 'node:24-bookworm-slim';
  let client: Promise<import('dockerode')> | null = null;
  const docker = async () => {
    client ??= import('dockerode').then(({ default: Docker }) => new Docker(settings.connection));
    return await client;
  };

  async function check(): Promise<void> {
    try {
      const engine = await docker();
      await engine.ping();
      await engine.getImage(image).inspect();
    } catch (error) {
      throw new UserError(
        'sandbox-unavailable',
        `the Docker engine or image ${image} is not usable: ${String(error)}`,
        {
          hint: `start Docker (or set DOCKER_HOST) and pull the image: docker pull ${image}`,
          cause: error,
        },
      );
    }
  }

  return {
    name: 'docker',
    check,
    async create(sandboxSettings): Promise<Sandbox> {
      if (egressWanted(sandboxSettings.egress)) throw new UnsupportedError('egress from the docker driver');
      await check();
      const engine = await docker();
      const workspaceDir = path.resolve(sandboxSettings.workspaceDir);
      const limits: ResourceLimits = { ...DEFAULT_RESOURCE_LIMITS, ...sandboxSettings.limits };
      const protectedPaths = sandboxSettings.protectedPaths ?? DEFAULT_PROTECTED_PATHS;
      const entries = parseProtectedPaths([...protectedPaths, '.git/']);
      const files = createHostFiles(workspaceDir, protectedPaths);
      const disk = createDiskGuard(workspaceDir, limits.workspaceBytes);

      return {
        workspaceDir,
        readFile: (userPath) => files.readFile(userPath),
        writeFile: (userPath, content) => {
          disk.touched();
          return files.writeFile(userPath, content);
        },
        async destroy() {},
        async exec(command, options): Promise<ExecResult> {
          const mounts = prepareProtectedMounts(workspaceDir, entries);
          const diskWatch = disk.watch();
          let diskLimitKilled = false;
          let removed: string[] = [];
          const stdout = createCappedOutput(options.maxOutputBytes);
          const stderr = createCappedOutput(options.maxOutputBytes);
          const startedAt = performance.now();
          let timedOut = false;
          let state: { ExitCode?: number; OOMKilled?: boolean } = {};
          try {
            const container = await engine.createContainer({
              Image: image,
              Cmd: ['/bin/sh', '-c', command],
              WorkingDir: SANDBOX_WORKDIR,
              Env: Object.entries({
                PATH: '/usr/local/bin:/usr/bin:/bin',
                HOME: '/tmp',
                LANG: 'C.UTF-8',
                CI: 'true',
                ...options.env,
              }).map(([name, value]) => `${name}=${value}`),
              NetworkDisabled: true,
              HostConfig: {
                NetworkMode: 'none',
                ReadonlyRootfs: true,
                CapDrop: ['ALL'],
                SecurityOpt: ['no-new-privileges'],
                Memory: limits.memoryBytes,
                MemorySwap: limits.memoryBytes,
                PidsLimit: limits.processes,
                Ulimits: [
                  { Name: 'cpu', Soft: limits.cpuSeconds, Hard: limits.cpuSeconds + 5 },
                  { Name: 'fsize', Soft: limits.fileSizeBytes, Hard: limits.fileSizeBytes },
                  { Name: 'core', Soft: 0, Hard: 0 },
                ],
                Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${limits.workspaceBytes}` },
                Binds: [
                  `${workspaceDir}:${SANDBOX_WORKDIR}:rw`,
                  ...mounts.binds.map(
                    (bind) =>
                      `${bind.hostPath}:${SANDBOX_WORKDIR}/${bind.relative}:${bind.readOnly ? 'ro' : 'rw'}`,
                  ),
                ],
              },
            });
            try {
              const stream = await container.attach({ stream: true, stdout: true, stderr: true });
              const out = new PassThrough().on('data', (chunk: Buffer) => stdout.push(chunk));
              const err = new PassThrough().on('data', (chunk: Buffer) => stderr.push(chunk));
              container.modem.demuxStream(stream, out, err);
              await container.start();
              const timer = setTimeout(() => {
                timedOut = true;
                container.kill().catch(() => {});
              }, options.timeoutMs);
              const diskPoll = setInterval(() => {
                if (diskLimitKilled || !diskWatch.exceeded()) return;
                diskLimitKilled = true;
                container.kill().catch(() => {});
              }, DISK_POLL_MS);
              await container.wait().finally(() => {
                clearTimeout(timer);
                clearInterval(diskPoll);
              });
              state = (await container.inspect()).State;
            } finally {
              await container.remove({ force: true }).catch(() => {});
            }
          } catch (error) {
            throw new SystemError('sandbox-failed', `the Docker sandbox failed: ${String(error)}`, {
              cause: error,
            });
          } finally {
            removed = removeProtectedRemnants(workspaceDir, entries, mounts.existing);
          }
          const exceeded = new Set<LimitName>();
          if (timedOut) exceeded.add('wall-time');
          if (stdout.truncated || stderr.truncated) exceeded.add('output');
          if (state.OOMKilled) exceeded.add('memory');
          if (state.ExitCode === 152) exceeded.add('cpu');
          if (state.ExitCode === 153) exceeded.add('file-size');
          if (diskLimitKilled || disk.overLimit()) exceeded.add('disk');
          if (removed.length > 0) exceeded.add('protected-path');
          const killed = timedOut || state.ExitCode === 137;
          return {
            exitCode: killed ? null : (state.ExitCode ?? null),
            signal: killed ? 'SIGKILL' : null,
            stdout: stdout.text(),
            stderr: stderr.text(),
            stdoutBytes: stdout.bytes,
            stderrBytes: stderr.bytes,
            truncated: stdout.truncated || stderr.truncated,
            timedOut,
            limitsExceeded: [...exceeded],
            durationMs: Math.round(performance.now() - startedAt),
          };
        },
      };
    },
  };
}
