import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ENV, type Environment } from '../spec/env.ts';
import { SystemError, UserError } from '../spec/errors.ts';
import {
  DEFAULT_PROTECTED_PATHS,
  DEFAULT_RESOURCE_LIMITS,
  type ExecOptions,
  type ExecResult,
  type LimitName,
  type ResourceLimits,
  type Sandbox,
  type SandboxDriver,
} from '../spec/sandbox.ts';
import type { EgressResolver } from './egress-resolver.ts';
import {
  describeToolchain,
  type HostToolchain,
  nodeVersion,
  resolveHostToolchain,
  toolchainAt,
} from './host-toolchain.ts';
import {
  buildBubblewrapArguments,
  SANDBOX_NODE_DIR,
  type SandboxLayout,
} from './internal/bubblewrap-arguments.ts';
import { type CappedOutput, createCappedOutput } from './internal/capped-output.ts';
import {
  type CgroupPlan,
  type CommandCgroup,
  createCommandCgroup,
  findCgroupPlan,
} from './internal/cgroup-limits.ts';
import { createDiskGuard, DISK_POLL_MS } from './internal/disk-guard.ts';
import { createHostFiles } from './internal/host-files.ts';
import { prepareProtectedMounts } from './internal/protected-mounts.ts';
import { removeProtectedRemnants } from './internal/protected-remnants.ts';
import { egressWanted, type SandboxEgressRuntime, startSandboxEgress } from './internal/sandbox-egress.ts';
import { seccompProgram } from './internal/seccomp-filter.ts';
import { parseProtectedPaths } from './protected-paths.ts';
import { findNodeInstalls, requestedNode, satisfiesNode } from './requested-node.ts';

export interface BubblewrapSettings {
  /** The bubblewrap binary. Default: `bwrap`, looked up on the host's PATH. */
  bwrapPath?: string;
  /**
   * Host directory of Warden's own node binary, mounted read-only at `/opt/warden-node/bin` (off PATH)
   * to run Warden's egress relay. Default: the directory of the running node; `null` leaves it out (a
   * node under /usr is visible anyway).
   */
  nodeDir?: string | null;
  /**
   * The host's environment: its PATH decides the toolchain commands run (see `resolveHostToolchain`),
   * and its CA variables (`NODE_EXTRA_CA_CERTS`, `SSL_CERT_FILE`, `SSL_CERT_DIR`, `REQUESTS_CA_BUNDLE`,
   * `CURL_CA_BUNDLE`, `PIP_CERT`) reach the sandbox with their files mounted read-only. Default:
   * `process.env`.
   */
  hostEnv?: Environment;
  /** The toolchain commands run. Default: resolved from `hostEnv`'s PATH. */
  toolchain?: HostToolchain;
  /**
   * How the egress proxy resolves names. Default: the host's DNS, every answer checked against the
   * forbidden ranges. Tests pass `createStaticEgressResolver` (the testing entry) to reach a server on 127.0.0.1.
   */
  egressResolver?: EgressResolver;
}

/** How long output pipes may stay open after bubblewrap itself has exited. */
const PIPE_GRACE_MS = 250;
/** How often a running command's cgroup is asked whether the process limit was hit. */
const PROCESS_LIMIT_POLL_MS = 100;
/** Exit statuses of a shell whose command died of SIGXCPU / SIGXFSZ. */
const EXIT_CPU = 128 + 24;
const EXIT_FILE_SIZE = 128 + 25;

/** How programs say an allocation failed at the data-size rlimit (it is reached before the cgroup's). */
const MEMORY_FAILURE =
  /out of memory|Cannot allocate memory|Failed to allocate memory|ERR_MEMORY_ALLOCATION_FAILED|MemoryError|bad_alloc|allocation failed/i;

const INSTALL_HINT = 'install bubblewrap: sudo apt-get install bubblewrap';
/** The seccomp filter every command runs under; `undefined` on an architecture without syscall numbers. */
const SECCOMP_PROGRAM = seccompProgram();

interface RawRun {
  exitCode: number | null;
  signal: string | null;
  started: boolean;
  stdout: CappedOutput;
  stderr: CappedOutput;
  timedOut: boolean;
  processLimitKilled: boolean;
  diskLimitKilled: boolean;
  durationMs: number;
}

/**
 * The default sandbox driver: each command runs under bubblewrap with no network, a read-only system, the
 * workspace as its only writable host directory (existing protected paths read-only; whatever a command
 * creates at a missing one is removed after it), a private size-capped /tmp, no capabilities and an
 * allow-listed environment. Limits: memory and processes through a per-command cgroup where the host lets
 * Warden make one (v2 delegated, or v1), plus per-process rlimits (CPU time, file size, data size,
 * processes) always; workspace disk use is watched through the filesystem's free blocks while the command
 * runs, with a walk of the workspace at least every second and after it (see `createDiskGuard`); wall time and output are
 * enforced here. The whole process tree dies with the command: on timeout bubblewrap is killed, its pid
 * namespace goes with it, and the cgroup is emptied. Never falls back to running unsandboxed.
 */
export function createBubblewrapDriver(settings: BubblewrapSettings = {}): SandboxDriver {
  const bwrapPath = settings.bwrapPath ?? 'bwrap';
  const nodeDir = settings.nodeDir === undefined ? path.dirname(process.execPath) : settings.nodeDir;
  const hostEnv = settings.hostEnv ?? process.env;
  let toolchain: HostToolchain | undefined = settings.toolchain;
  const toolchainOf = () => {
    toolchain ??= resolveHostToolchain(hostEnv[ENV.path] ?? '', process.execPath);
    return toolchain;
  };
  const certificates = certificatesOf(hostEnv);
  /** Per workspace: the toolchain its repository asks for (`.nvmrc`, `engines`, …) and why. */
  const chosen = new Map<string, Promise<{ toolchain: HostToolchain; note?: string }>>();
  const toolchainFor = (workspaceDir: string) => {
    const key = path.resolve(workspaceDir);
    let choice = chosen.get(key);
    if (!choice) {
      choice = chooseToolchain(toolchainOf(), key, hostEnv);
      chosen.set(key, choice);
    }
    return choice;
  };
  let checked: Promise<void> | null = null;
  let cgroupPlan: Promise<CgroupPlan | null> | null = null;

  async function run(
    layout: SandboxLayout,
    command: string,
    options: ExecOptions,
    cgroup: CommandCgroup | null,
    overDisk: (() => boolean) | null = null,
  ): Promise<RawRun> {
    const args = await buildBubblewrapArguments(layout, command);
    const stdout = createCappedOutput(options.maxOutputBytes);
    const stderr = createCappedOutput(options.maxOutputBytes);
    const status = createCappedOutput(64 * 1024);
    const startedAt = performance.now();
    // With a cgroup, bubblewrap's child waits on fd 4 until it has been moved into it. The seccomp
    // filter comes on the next fd.
    const blockArgs = cgroup ? ['--block-fd', '4'] : [];
    const seccompFd = cgroup ? 5 : 4;
    const seccompArgs = SECCOMP_PROGRAM ? ['--seccomp', String(seccompFd)] : [];

    return await new Promise<RawRun>((resolve, reject) => {
      const child = spawn(bwrapPath, ['--json-status-fd', '3', ...blockArgs, ...seccompArgs, ...args], {
        stdio: [
          'ignore',
          'pipe',
          'pipe',
          'pipe',
          ...(cgroup ? (['pipe'] as const) : []),
          ...(SECCOMP_PROGRAM ? (['pipe'] as const) : []),
        ],
        // Only for finding bubblewrap; the sandbox itself starts from --clearenv.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        // Its own process group, so a timeout can kill bubblewrap and everything it started at once.
        detached: true,
      });
      const streams = child.stdio.slice(1, 4) as Readable[];
      const unblock = cgroup ? (child.stdio[4] as Writable) : null;
      if (SECCOMP_PROGRAM) {
        const filter = (child.stdio as unknown as Writable[])[seccompFd]!;
        filter.on('error', () => {});
        filter.end(SECCOMP_PROGRAM);
      }
      child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      let joined = false;
      streams[2]?.on('data', (chunk: Buffer) => {
        status.push(chunk);
        if (!cgroup || joined) return;
        const match = status.text().match(/"child-pid": (\d+)/);
        if (!match) return;
        joined = true;
        cgroup.join(Number(match[1])).then(
          () => unblock?.end('x'),
          () => killTree(),
        );
      });
      unblock?.on('error', () => {});
      const closed = Promise.all(streams.map((stream) => new Promise((done) => stream.once('close', done))));

      let timedOut = false;
      let processLimitKilled = false;
      let diskLimitKilled = false;
      const killTree = () => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killTree();
      }, options.timeoutMs);
      // A command at its process limit is ended: a fork bomb must not keep the machine busy until the
      // timeout (the cgroup has no notification that works on v1, hence the poll).
      const poll = cgroup
        ? setInterval(() => {
            cgroup.processLimitHit().then((hit) => {
              if (!hit) return;
              processLimitKilled = true;
              killTree();
            });
          }, PROCESS_LIMIT_POLL_MS)
        : null;
      // A fast writer must be stopped near the disk limit, not after the command: the filesystem's free
      // blocks are one cheap system call, and the workspace is walked when they say it may be over (and
      // every second, since they can be fooled).
      const diskPoll = overDisk
        ? setInterval(() => {
            if (diskLimitKilled || !overDisk()) return;
            diskLimitKilled = true;
            killTree();
          }, DISK_POLL_MS)
        : null;
      const stopPolls = () => {
        clearTimeout(timer);
        if (poll) clearInterval(poll);
        if (diskPoll) clearInterval(diskPoll);
      };

      child.on('error', (error) => {
        stopPolls();
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          reject(
            new UserError('sandbox-unavailable', `bubblewrap (${bwrapPath}) is not installed`, {
              hint: INSTALL_HINT,
              cause: error,
            }),
          );
        } else {
          reject(
            new SystemError('sandbox-failed', `could not start bubblewrap: ${error.message}`, {
              cause: error,
            }),
          );
        }
      });

      child.on('exit', (exitCode, signal) => {
        stopPolls();
        // The pid namespace is gone with bubblewrap, so the pipes close at once; should anything still
        // hold them, stop waiting after a grace period rather than hang.
        const grace = setTimeout(() => {
          for (const stream of streams) stream.destroy();
        }, PIPE_GRACE_MS);
        closed.then(() => {
          clearTimeout(grace);
          resolve({
            exitCode,
            signal,
            started: status.text().includes('"child-pid"'),
            stdout,
            stderr,
            timedOut,
            processLimitKilled,
            diskLimitKilled,
            durationMs: Math.round(performance.now() - startedAt),
          });
        });
      });
    });
  }

  async function check(): Promise<void> {
    if (checked) return await checked;
    const attempt = (async () => {
      const result = await run(
        { workspaceDir: null, nodeDir, toolchain: toolchainOf(), env: {} },
        'true',
        { timeoutMs: 10_000, maxOutputBytes: 4096 },
        null,
      );
      if (!result.started || result.exitCode !== 0) {
        const detail =
          result.stderr.text().trim() || (result.timedOut ? 'timed out' : `exit code ${result.exitCode}`);
        throw new UserError('sandbox-unavailable', `bubblewrap cannot create a sandbox here: ${detail}`, {
          hint: `${INSTALL_HINT}; it also needs user namespaces (check kernel.unprivileged_userns_clone and AppArmor)`,
        });
      }
    })();
    checked = attempt;
    // A failure is not remembered: installing bubblewrap should not need a restart.
    attempt.catch(() => {
      checked = null;
    });
    return await attempt;
  }

  return {
    name: 'bubblewrap',
    check,
    describeToolchain: async (workspaceDir) => {
      if (workspaceDir === undefined) return await describeToolchain(toolchainOf());
      const { toolchain: picked, note } = await toolchainFor(workspaceDir);
      return await describeToolchain(picked, note);
    },

    async create(sandboxSettings): Promise<Sandbox> {
      await check();
      const workspaceDir = path.resolve(sandboxSettings.workspaceDir);
      const limits: ResourceLimits = { ...DEFAULT_RESOURCE_LIMITS, ...sandboxSettings.limits };
      const protectedPaths = sandboxSettings.protectedPaths ?? DEFAULT_PROTECTED_PATHS;
      // `.git` is always protected, whatever the configured list says.
      const entries = parseProtectedPaths([...protectedPaths, '.git/']);
      const files = createHostFiles(workspaceDir, protectedPaths);
      const disk = createDiskGuard(workspaceDir, limits.workspaceBytes);
      // The relay runs on the node the sandbox sees: under /usr as it is, else where the driver mounts it.
      const nodeInside =
        nodeDir === null || !path.relative('/usr', nodeDir).startsWith('..')
          ? path.join(nodeDir ?? '/usr/bin', 'node')
          : path.join(SANDBOX_NODE_DIR, 'node');
      const egress: SandboxEgressRuntime | null = egressWanted(sandboxSettings.egress)
        ? await startSandboxEgress(sandboxSettings.egress, nodeInside, settings.egressResolver)
        : null;
      let destroyed = false;
      const alive = () => {
        if (destroyed) throw new SystemError('sandbox-failed', 'this sandbox has been destroyed');
      };

      return {
        workspaceDir,
        async readFile(userPath) {
          alive();
          return await files.readFile(userPath);
        },
        async writeFile(userPath, content) {
          alive();
          disk.touched();
          await files.writeFile(userPath, content);
        },
        async destroy() {
          if (destroyed) return;
          destroyed = true;
          // A long-running process (a server) creates sandboxes for ever: forget this workspace's choice.
          chosen.delete(workspaceDir);
          await egress?.close();
        },

        async exec(command, options): Promise<ExecResult> {
          alive();
          cgroupPlan ??= findCgroupPlan().catch(() => null);
          const plan = await cgroupPlan;
          const mounts = prepareProtectedMounts(workspaceDir, entries);
          let cgroup: CommandCgroup | null = null;
          let result: RawRun;
          let cgroupReport = { memory: false, processes: false };
          let removed: string[] = [];
          try {
            const diskWatch = disk.watch();
            cgroup = plan ? await createCommandCgroup(plan, limits) : null;
            result = await run(
              {
                workspaceDir,
                nodeDir,
                toolchain: (await toolchainFor(workspaceDir)).toolchain,
                readOnlyFiles: certificates.files,
                env: { ...certificates.env, ...egress?.env, ...options.env },
                workspaceMounts: mounts.args,
                limits,
                extraMounts: egress?.bwrapArguments,
              },
              egress ? egress.wrapCommand(command) : command,
              options,
              cgroup,
              () => diskWatch.exceeded(),
            );
          } finally {
            if (cgroup) cgroupReport = await cgroup.close();
            // The command's processes are gone with its pid namespace: nothing races these removals.
            removed = removeProtectedRemnants(workspaceDir, entries, mounts.existing);
          }
          if (!result.started && !result.timedOut) {
            throw new SystemError(
              'sandbox-failed',
              `bubblewrap could not set up the sandbox: ${result.stderr.text().trim()}`,
            );
          }
          const exceeded = new Set<LimitName>();
          const notes: string[] = [];
          const stderrText = result.stderr.text();
          const outputs = `${result.stdout.text()}\n${stderrText}`;
          if (result.timedOut) exceeded.add('wall-time');
          if (result.stdout.truncated || result.stderr.truncated) exceeded.add('output');
          if (result.processLimitKilled || cgroupReport.processes) {
            exceeded.add('processes');
            notes.push(`warden: the command reached the process limit (${limits.processes}) and was killed`);
          }
          if (cgroupReport.memory || MEMORY_FAILURE.test(outputs)) {
            exceeded.add('memory');
            notes.push(`warden: the command reached the memory limit (${limits.memoryBytes} bytes)`);
          }
          if (result.exitCode === EXIT_CPU || outputs.includes('CPU time limit exceeded'))
            exceeded.add('cpu');
          if (result.exitCode === EXIT_FILE_SIZE || outputs.includes('File size limit exceeded')) {
            exceeded.add('file-size');
            notes.push(`warden: a file reached the file size limit (${limits.fileSizeBytes} bytes)`);
          }
          if (result.diskLimitKilled || disk.overLimit()) {
            exceeded.add('disk');
            notes.push(
              result.diskLimitKilled
                ? `warden: the command took the workspace past its disk limit (${limits.workspaceBytes} bytes) and was killed; free space before going on`
                : `warden: the workspace uses more than its disk limit (${limits.workspaceBytes} bytes); free space before going on`,
            );
          }
          if (removed.length > 0) {
            exceeded.add('protected-path');
            notes.push(
              `warden: removed what the command created at protected paths: ${removed.join(', ')} (protected paths the repository does not have stay absent)`,
            );
          }
          const stderr =
            notes.length > 0
              ? `${stderrText}${stderrText && !stderrText.endsWith('\n') ? '\n' : ''}${notes.join('\n')}\n`
              : stderrText;
          return {
            exitCode: result.exitCode,
            signal: result.signal,
            stdout: result.stdout.text(),
            stderr,
            stdoutBytes: result.stdout.bytes,
            stderrBytes: result.stderr.bytes,
            truncated: result.stdout.truncated || result.stderr.truncated,
            timedOut: result.timedOut,
            limitsExceeded: [...exceeded],
            durationMs: result.durationMs,
          };
        },
      };
    },
  };
}

/** The host's CA variables whose file or directory exists, passed on with it mounted read-only. */
function certificatesOf(hostEnv: Environment): { env: Record<string, string>; files: string[] } {
  const env: Record<string, string> = {};
  const files: string[] = [];
  for (const name of [
    ENV.nodeExtraCaCerts,
    ENV.sslCertFile,
    ENV.sslCertDir,
    ENV.requestsCaBundle,
    ENV.curlCaBundle,
    ENV.pipCert,
  ]) {
    const value = hostEnv[name];
    if (!value || !path.isAbsolute(value) || !existsSync(value)) continue;
    env[name] = value;
    files.push(path.normalize(value));
  }
  return { env, files };
}

/**
 * The toolchain for the repository in `workspaceDir`: the host's default when the repository asks for no
 * version or the default satisfies it; else the newest install of a version manager that does (nvm, n,
 * asdf, fnm); else the default, with a note that the version asked for is not on this host.
 */
async function chooseToolchain(
  fallback: HostToolchain,
  workspaceDir: string,
  hostEnv: Environment,
): Promise<{ toolchain: HostToolchain; note?: string }> {
  const wanted = requestedNode(workspaceDir);
  if (!wanted) return { toolchain: fallback };
  const asks = `${wanted.file} asks for ${wanted.request}`;
  const version = await nodeVersion(fallback.nodePath);
  if (fallback.source === 'host' && version && satisfiesNode(version, wanted.request)) {
    return { toolchain: fallback, note: asks };
  }
  const install = findNodeInstalls(hostEnv).find((candidate) =>
    satisfiesNode(candidate.version, wanted.request),
  );
  if (install)
    return { toolchain: toolchainAt('host', install.nodePath), note: `${asks}: ${install.version}` };
  return { toolchain: fallback, note: `${asks}, which this host does not have` };
}
