import { existsSync } from 'node:fs';
import path from 'node:path';
import { ENV, type Environment } from '../spec/env.ts';
import { SystemError, UserError } from '../spec/errors.ts';
import {
  DEFAULT_PROTECTED_PATHS,
  DEFAULT_RESOURCE_LIMITS,
  type ExecOptions,
  type ExecResult,
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
import { bubblewrapStartError, INSTALL_HINT, spawnBubblewrap } from './internal/bubblewrap-spawn.ts';
import { type CappedOutput, createCappedOutput } from './internal/capped-output.ts';
import {
  type CgroupPlan,
  type CommandCgroup,
  createCommandCgroup,
  findCgroupPlan,
} from './internal/cgroup-limits.ts';
import { type CommandOutcome, execResultOf } from './internal/command-outcome.ts';
import { createDiskGuard } from './internal/disk-guard.ts';
import { createHostFiles } from './internal/host-files.ts';
import { type LimitHits, watchLimits } from './internal/limit-watch.ts';
import { prepareProtectedMounts } from './internal/protected-mounts.ts';
import { removeProtectedRemnants } from './internal/protected-remnants.ts';
import { egressWanted, type SandboxEgressRuntime, startSandboxEgress } from './internal/sandbox-egress.ts';
import { createSessionRunner } from './internal/session-runner.ts';
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
interface RawRun extends LimitHits {
  exitCode: number | null;
  signal: string | null;
  started: boolean;
  stdout: CappedOutput;
  stderr: CappedOutput;
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
    const startedAt = performance.now();

    return await new Promise<RawRun>((resolve, reject) => {
      const sandbox = spawnBubblewrap(bwrapPath, args, cgroup);
      const { child, killTree } = sandbox;
      sandbox.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      sandbox.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      const watch = watchLimits(killTree, options.timeoutMs, cgroup, overDisk);

      child.on('error', (error) => {
        watch.stop();
        reject(bubblewrapStartError(error, bwrapPath));
      });

      child.on('exit', (exitCode, signal) => {
        watch.stop();
        // The pid namespace is gone with bubblewrap, so the pipes close at once; should anything still
        // hold them, stop waiting after a grace period rather than hang.
        const grace = setTimeout(() => {
          sandbox.destroyOutputs();
        }, PIPE_GRACE_MS);
        sandbox.closed.then(() => {
          clearTimeout(grace);
          resolve({
            exitCode,
            signal,
            started: sandbox.started(),
            stdout,
            stderr,
            ...watch.hits,
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
      // Commands share one sandbox, started now in the background; one that starts while another runs,
      // or a `fresh` one, gets a sandbox of its own.
      const session = createSessionRunner({ bwrapPath, workspaceDir, nodeInside, entries, limits });
      let sessionBusy = false;
      const planCgroups = () => {
        cgroupPlan ??= findCgroupPlan().catch(() => null);
        return cgroupPlan;
      };
      const layoutFor = async (env: ExecOptions['env']) => ({
        workspaceDir,
        nodeDir,
        toolchain: (await toolchainFor(workspaceDir)).toolchain,
        readOnlyFiles: certificates.files,
        env: { ...certificates.env, ...egress?.env, ...env },
        limits,
        extraMounts: egress?.bwrapArguments,
      });
      session.warm(async () => ({ layout: await layoutFor({}), plan: await planCgroups() }));
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
          try {
            await session.end();
          } finally {
            await egress?.close();
          }
        },

        async exec(command, options): Promise<ExecResult> {
          alive();
          const plan = await planCgroups();
          const layout = await layoutFor(options.env);
          const line = egress ? egress.wrapCommand(command) : command;
          const diskWatch = disk.watch();
          const overDisk = () => diskWatch.exceeded();
          let outcome: CommandOutcome | null = null;
          if (options.fresh) {
            await session.end();
          } else if (!sessionBusy) {
            sessionBusy = true;
            try {
              const request = { layout, command: line, ...options, overDisk };
              outcome = await session.exec(request, plan);
            } finally {
              sessionBusy = false;
            }
          }
          outcome ??= await execOnce(layout, line, options, plan, overDisk);
          return execResultOf(outcome, limits, disk.overLimit());
        },
      };

      /** One command in a sandbox of its own, made for it and gone with it. */
      async function execOnce(
        layout: Omit<SandboxLayout, 'workspaceMounts'>,
        line: string,
        options: ExecOptions,
        plan: CgroupPlan | null,
        overDisk: () => boolean,
      ): Promise<CommandOutcome> {
        const mounts = prepareProtectedMounts(workspaceDir, entries);
        let cgroup: CommandCgroup | null = null;
        let result: RawRun;
        let cgroupReport = { memory: false, processes: false };
        let removed: string[] = [];
        try {
          cgroup = plan ? await createCommandCgroup(plan, limits) : null;
          result = await run({ ...layout, workspaceMounts: mounts.args }, line, options, cgroup, overDisk);
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
        return { ...result, cgroup: cgroupReport, removed };
      }
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
