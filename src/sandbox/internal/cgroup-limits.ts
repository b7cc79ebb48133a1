import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rmdir } from 'node:fs/promises';
import path from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Where per-command cgroups can be made on this host, found once per driver. */
export type CgroupPlan =
  | { version: 2; parent: string }
  | { version: 1; pidsParent: string; memoryParent: string | null };

/** One command's cgroup(s): a process limit (and a memory limit where the controller is there). */
export interface CommandCgroup {
  /** Moves a process (bubblewrap's child, before it starts the command) into the cgroup. */
  join(pid: number): Promise<void>;
  /** Whether a fork has been refused for the process limit so far. */
  processLimitHit(): Promise<boolean>;
  /**
   * How often so far a fork was refused for the process limit and a process was killed for the memory
   * limit: a cgroup that outlives one command tells that command's hits by the difference.
   */
  counters(): Promise<{ processes: number; memory: number }>;
  /** Which limits were hit; then kills whatever is left and removes the cgroup. */
  close(): Promise<{ memory: boolean; processes: boolean }>;
  readonly limitsMemory: boolean;
}

/** Our own cgroup path per controller, from /proc/self/cgroup (`''` is the v2 unified entry). */
async function ownCgroups(): Promise<Map<string, string>> {
  const text = await readFile('/proc/self/cgroup', 'utf8');
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [, controllers, cgroupPath] = line.match(/^\d+:([^:]*):(.*)$/) ?? [];
    if (controllers === undefined || cgroupPath === undefined) continue;
    for (const controller of controllers.split(',')) paths.set(controller, cgroupPath);
  }
  return paths;
}

async function canCreateIn(parent: string, probeFile: string): Promise<boolean> {
  const probe = path.join(parent, `warden-probe-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(probe);
  } catch {
    return false;
  }
  try {
    await readFile(path.join(probe, probeFile));
    return true;
  } catch {
    return false;
  } finally {
    await rmdir(probe).catch(() => {});
  }
}

/**
 * Finds a place for per-command cgroups: cgroup v2 under our own cgroup when the `pids` controller is
 * delegated there (`memory` too, when enabled), else cgroup v1's `pids` hierarchy (and `memory`, when
 * writable). `null` when neither is writable (an unprivileged user without delegation, a container):
 * the driver then relies on rlimits alone.
 */
export async function findCgroupPlan(): Promise<CgroupPlan | null> {
  const own = await ownCgroups().catch(() => new Map<string, string>());
  const unified = own.get('');
  const v2Mounted = await readFile(path.join(CGROUP_ROOT, 'cgroup.controllers'), 'utf8').then(
    () => true,
    () => false,
  );
  if (v2Mounted && unified !== undefined) {
    const parent = path.join(CGROUP_ROOT, unified);
    const enabled = await readFile(path.join(parent, 'cgroup.subtree_control'), 'utf8').catch(() => '');
    if (enabled.split(/\s+/).includes('pids') && (await canCreateIn(parent, 'pids.max')))
      return { version: 2, parent };
    return null;
  }
  const pidsPath = own.get('pids');
  if (pidsPath === undefined) return null;
  const pidsParent = path.join(CGROUP_ROOT, 'pids', pidsPath);
  if (!(await canCreateIn(pidsParent, 'pids.max'))) return null;
  const memoryPath = own.get('memory');
  const memoryParent = memoryPath === undefined ? null : path.join(CGROUP_ROOT, 'memory', memoryPath);
  const memoryUsable = memoryParent !== null && (await canCreateIn(memoryParent, 'memory.limit_in_bytes'));
  return { version: 1, pidsParent, memoryParent: memoryUsable ? memoryParent : null };
}

// Per-command cgroup operations are synchronous: each is a few microseconds on cgroupfs, and a thread
// pool round trip per call would dominate the startup cost.
function readCounterSync(file: string, key: string): number {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 0;
  }
  const match = text.match(new RegExp(`^${key} (\\d+)$`, 'm'));
  return match ? Number(match[1]) : 0;
}

async function killAndRemove(directory: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    let procs = '';
    try {
      procs = readFileSync(path.join(directory, 'cgroup.procs'), 'utf8');
    } catch {
      return;
    }
    for (const pid of procs.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    try {
      rmdirSync(directory);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      // EBUSY while the killed processes are being reaped.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** Makes the cgroup(s) for one command, with its limits written before anything joins. */
export async function createCommandCgroup(
  plan: CgroupPlan,
  limits: { memoryBytes: number; processes: number },
): Promise<CommandCgroup> {
  const name = `warden-${process.pid}-${randomBytes(6).toString('hex')}`;
  const directories: string[] = [];
  const cleanup = async () => {
    for (const directory of directories) await killAndRemove(directory);
  };
  try {
    if (plan.version === 2) {
      const directory = path.join(plan.parent, name);
      mkdirSync(directory);
      directories.push(directory);
      writeFileSync(path.join(directory, 'pids.max'), String(limits.processes));
      let memory = true;
      try {
        writeFileSync(path.join(directory, 'memory.max'), String(limits.memoryBytes));
        writeFileSync(path.join(directory, 'memory.swap.max'), '0');
      } catch {
        memory = existsSync(path.join(directory, 'memory.max'));
      }
      return {
        limitsMemory: memory,
        join: async (pid) => writeFileSync(path.join(directory, 'cgroup.procs'), String(pid)),
        processLimitHit: async () => readCounterSync(path.join(directory, 'pids.events'), 'max') > 0,
        counters: async () => ({
          processes: readCounterSync(path.join(directory, 'pids.events'), 'max'),
          memory: memory ? readCounterSync(path.join(directory, 'memory.events'), 'oom_kill') : 0,
        }),
        async close() {
          const processes = readCounterSync(path.join(directory, 'pids.events'), 'max') > 0;
          const oom = memory ? readCounterSync(path.join(directory, 'memory.events'), 'oom_kill') : 0;
          await cleanup();
          return { memory: oom > 0, processes };
        },
      };
    }
    const pidsDirectory = path.join(plan.pidsParent, name);
    mkdirSync(pidsDirectory);
    directories.push(pidsDirectory);
    writeFileSync(path.join(pidsDirectory, 'pids.max'), String(limits.processes));
    let memoryDirectory: string | null = null;
    if (plan.memoryParent !== null) {
      memoryDirectory = path.join(plan.memoryParent, name);
      mkdirSync(memoryDirectory);
      directories.push(memoryDirectory);
      writeFileSync(path.join(memoryDirectory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      try {
        writeFileSync(path.join(memoryDirectory, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
      } catch {
        // No swap accounting: nothing more to limit.
      }
    }
    return {
      limitsMemory: memoryDirectory !== null,
      async join(pid) {
        writeFileSync(path.join(pidsDirectory, 'cgroup.procs'), String(pid));
        if (memoryDirectory) writeFileSync(path.join(memoryDirectory, 'cgroup.procs'), String(pid));
      },
      processLimitHit: async () => readCounterSync(path.join(pidsDirectory, 'pids.events'), 'max') > 0,
      counters: async () => ({
        processes: readCounterSync(path.join(pidsDirectory, 'pids.events'), 'max'),
        memory: memoryDirectory
          ? readCounterSync(path.join(memoryDirectory, 'memory.oom_control'), 'oom_kill')
          : 0,
      }),
      async close() {
        const processes = readCounterSync(path.join(pidsDirectory, 'pids.events'), 'max') > 0;
        const oom = memoryDirectory
          ? readCounterSync(path.join(memoryDirectory, 'memory.oom_control'), 'oom_kill')
          : 0;
        await cleanup();
        return { memory: oom > 0, processes };
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
