import { constants } from 'node:os';
import type { ResourceLimits } from '../../spec/sandbox.ts';
import type { ProtectedEntry } from '../protected-paths.ts';
import {
  buildSandboxArguments,
  type SandboxLayout,
  sandboxEnvironment,
  shellArguments,
} from './bubblewrap-arguments.ts';
import { createCappedOutput } from './capped-output.ts';
import { type CgroupPlan, type CommandCgroup, createCommandCgroup } from './cgroup-limits.ts';
import type { CommandOutcome } from './command-outcome.ts';
import {
  COMMAND_SERVER_PROGRAM,
  type CommandSession,
  SANDBOX_COMMAND_SERVER,
  startCommandSession,
} from './command-session.ts';
import { watchLimits } from './limit-watch.ts';
import { type ProtectedMounts, prepareProtectedMounts } from './protected-mounts.ts';
import { removeProtectedRemnants } from './protected-remnants.ts';

/**
 * What the command server itself takes of a session's cgroup, on top of the command's own limits: its
 * Node process (and threads, which the pids controller counts) and its memory.
 */
const SERVER_PROCESSES = 32;
const SERVER_MEMORY_BYTES = 128 * 1024 ** 2;

export interface SessionRunnerSettings {
  bwrapPath: string;
  workspaceDir: string;
  /** Node as the sandbox sees it, to run the command server. */
  nodeInside: string;
  entries: readonly ProtectedEntry[];
  limits: ResourceLimits;
}

/** One command for the runner: the sandbox's layout (mounts excepted), the shell line, its limits. */
export interface SessionCommand {
  layout: Omit<SandboxLayout, 'workspaceMounts'>;
  command: string;
  timeoutMs: number;
  maxOutputBytes: number;
  /** Whether the workspace is past its disk limit, asked while the command runs. */
  overDisk: () => boolean;
}

/** Runs a sandbox's commands in one long-lived bubblewrap sandbox (see `command-session.ts`). */
export interface SessionRunner {
  /**
   * Runs one command in the session, starting one when none is running. `null` when a command server
   * cannot run here (the caller then runs the command in a sandbox of its own).
   */
  exec(command: SessionCommand, plan: CgroupPlan | null): Promise<CommandOutcome | null>;
  /**
   * Starts the session ahead of the first command, in the background (the server's start, ~0.1 s,
   * then overlaps the task's first model call). A failure is left for the first command to meet.
   */
  warm(prepare: () => Promise<{ layout: SessionCommand['layout']; plan: CgroupPlan | null }>): void;
  /** Ends the session, if any: everything in it is killed, and what it left at protected paths removed. */
  end(): Promise<void>;
}

interface Active {
  session: CommandSession;
  cgroup: CommandCgroup | null;
  mounts: ProtectedMounts;
}

/**
 * A sandbox's commands share one bubblewrap sandbox, started at the first command: each command then
 * costs a fork instead of a new sandbox. The sandbox is the same as a per-command one (mounts, protected
 * paths, namespaces, seccomp, rlimits per command, environment per command) except that /tmp and the
 * process's view of time carry over from one command to the next, as in a developer's shell; after each
 * command its server kills every process the command left. Limits are enforced from outside: a command
 * past its wall time, the disk limit or the process limit ends the whole sandbox (the next command
 * starts a new one), and the session's cgroup holds the memory and process limits (plus the server's
 * own share). The server shares the sandbox with the commands, so a command could make it misreport
 * later commands: a check whose result decides anything runs in a sandbox of its own (`fresh`).
 */
export function createSessionRunner(settings: SessionRunnerSettings): SessionRunner {
  const { bwrapPath, workspaceDir, nodeInside, entries, limits } = settings;
  let active: Active | null = null;
  let starting: Promise<Active | null> | null = null;
  let unavailable = false;

  async function start(layout: SessionCommand['layout'], plan: CgroupPlan | null): Promise<Active | null> {
    const mounts = prepareProtectedMounts(workspaceDir, entries);
    const cgroup = plan
      ? await createCommandCgroup(plan, {
          memoryBytes: limits.memoryBytes + SERVER_MEMORY_BYTES,
          processes: limits.processes + SERVER_PROCESSES,
        })
      : null;
    try {
      const args = await buildSandboxArguments({
        ...layout,
        // The server's own environment is the base one; each command gets its own.
        env: {},
        workspaceMounts: mounts.args,
        extraMounts: [
          ...(layout.extraMounts ?? []),
          '--ro-bind',
          COMMAND_SERVER_PROGRAM,
          SANDBOX_COMMAND_SERVER,
        ],
      });
      const session = await startCommandSession(
        bwrapPath,
        [...args, nodeInside, SANDBOX_COMMAND_SERVER],
        cgroup,
      );
      return { session, cgroup, mounts };
    } catch {
      // No node inside, or no room for it: commands run in sandboxes of their own, as safe and slower.
      await cgroup?.close();
      removeProtectedRemnants(workspaceDir, entries, mounts.existing);
      unavailable = true;
      return null;
    }
  }

  async function end(): Promise<string[]> {
    if (starting) await starting;
    const ending = active;
    active = null;
    if (!ending) return [];
    ending.session.kill();
    await ending.session.ended;
    await ending.cgroup?.close();
    // Everything in the sandbox is dead: nothing races these removals.
    return removeProtectedRemnants(workspaceDir, entries, ending.mounts.existing);
  }

  return {
    warm(prepare) {
      if (unavailable || active || starting) return;
      starting = prepare()
        .then(({ layout, plan }) => start(layout, plan))
        .catch(() => null)
        .then((started) => {
          active = started;
          starting = null;
          return started;
        });
    },
    async exec(command, plan) {
      if (starting) await starting;
      if (unavailable) return null;
      if (active && !active.session.alive) await end();
      active ??= await start(command.layout, plan);
      if (!active) return null;
      const { session, cgroup, mounts } = active;
      // Built first: a bad variable name throws before anything runs or watches.
      const request = {
        argv: shellArguments(limits, command.command),
        env: sandboxEnvironment(command.layout),
        maxOutputBytes: command.maxOutputBytes,
      };
      const before = cgroup ? await cgroup.counters() : null;
      const stdout = createCappedOutput(command.maxOutputBytes);
      const stderr = createCappedOutput(command.maxOutputBytes);
      const startedAt = performance.now();
      const watch = watchLimits(
        () => session.kill(),
        command.timeoutMs,
        cgroup && before
          ? { processLimitHit: async () => (await cgroup.counters()).processes > before.processes }
          : null,
        command.overDisk,
      );
      const ran = await session.run(request, stdout, stderr).finally(() => watch.stop());
      const after = cgroup ? await cgroup.counters() : null;
      const limitHit = watch.hits.timedOut || watch.hits.diskLimitKilled || watch.hits.processLimitKilled;
      let removed: string[];
      if (ran.lost) {
        removed = await end();
        if (!limitHit) stderr.push(Buffer.from(`\nwarden: ${ran.lost}; its exit status is unknown\n`));
      } else {
        // The server killed what the command left; should anything have survived it, the next command's
        // removal, or the session's end, repeats this.
        removed = removeProtectedRemnants(workspaceDir, entries, mounts.existing);
      }
      // A command killed by a signal inside the sandbox exits as a per-command sandbox reports it: with
      // the shell's 128 + the signal's number (SIGXCPU is how the CPU limit shows).
      const signalled = !ran.lost && ran.signal !== null ? signalNumber(ran.signal) : undefined;
      return {
        exitCode: signalled === undefined ? ran.exitCode : 128 + signalled,
        signal: signalled === undefined ? ran.signal : null,
        stdout,
        stderr,
        ...watch.hits,
        durationMs: Math.round(performance.now() - startedAt),
        cgroup: {
          memory: before !== null && after !== null && after.memory > before.memory,
          processes: before !== null && after !== null && after.processes > before.processes,
        },
        removed,
      };
    },
    async end() {
      await end();
    },
  };
}

function signalNumber(name: string): number | undefined {
  return (constants.signals as Record<string, number | undefined>)[name];
}
