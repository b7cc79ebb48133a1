import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { SystemError, UserError } from '../../spec/errors.ts';
import { type CappedOutput, createCappedOutput } from './capped-output.ts';
import type { CommandCgroup } from './cgroup-limits.ts';
import { seccompProgram } from './seccomp-filter.ts';

export const INSTALL_HINT = 'install bubblewrap: sudo apt-get install bubblewrap';
/** The seccomp filter every command runs under; `undefined` on an architecture without syscall numbers. */
const SECCOMP_PROGRAM = seccompProgram();

/** A started bubblewrap: its process, its status output, and a way to end all it started. */
export interface BubblewrapProcess {
  readonly child: ChildProcess;
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** What bubblewrap wrote on its status descriptor (`--json-status-fd`), kept to 64 KiB. */
  readonly status: CappedOutput;
  /** Resolves once stdout, stderr and the status descriptor have all closed. */
  readonly closed: Promise<unknown>;
  /** Whether bubblewrap said it started the program (its status names the child's pid). */
  started(): boolean;
  /** Kills bubblewrap and everything it started (its process group, and with it its pid namespace). */
  killTree(): void;
  /** Stops reading its outputs (something outside the sandbox still holds them open). */
  destroyOutputs(): void;
}

/**
 * Starts bubblewrap with `args` (sandbox arguments, then the program) in a process group of its own, the
 * seccomp filter on a descriptor and, with a cgroup, bubblewrap's child held (`--block-fd`) until it has
 * been moved into the cgroup; a failed move kills it. `stdin` is a pipe when asked for, else /dev/null.
 * Start errors come as the child's `error` event: see `bubblewrapStartError`.
 */
export function spawnBubblewrap(
  bwrapPath: string,
  args: readonly string[],
  cgroup: CommandCgroup | null,
  stdin: 'pipe' | 'ignore' = 'ignore',
): BubblewrapProcess {
  // With a cgroup, bubblewrap's child waits on fd 4 until it has been moved into it. The seccomp
  // filter comes on the next fd.
  const blockArgs = cgroup ? ['--block-fd', '4'] : [];
  const seccompFd = cgroup ? 5 : 4;
  const seccompArgs = SECCOMP_PROGRAM ? ['--seccomp', String(seccompFd)] : [];
  const child = spawn(bwrapPath, ['--json-status-fd', '3', ...blockArgs, ...seccompArgs, ...args], {
    stdio: [
      stdin,
      'pipe',
      'pipe',
      'pipe',
      ...(cgroup ? (['pipe'] as const) : []),
      ...(SECCOMP_PROGRAM ? (['pipe'] as const) : []),
    ],
    // Only for finding bubblewrap; the sandbox itself starts from --clearenv.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    // Its own process group, so one signal kills bubblewrap and everything it started.
    detached: true,
  });
  const streams = child.stdio.slice(1, 4) as Readable[];
  const status = createCappedOutput(64 * 1024);
  const killTree = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const unblock = cgroup ? (child.stdio[4] as Writable) : null;
  unblock?.on('error', () => {});
  if (SECCOMP_PROGRAM) {
    const filter = (child.stdio as unknown as Writable[])[seccompFd]!;
    filter.on('error', () => {});
    filter.end(SECCOMP_PROGRAM);
  }
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
  child.stdin?.on('error', () => {});
  const closed = Promise.all(streams.map((stream) => new Promise((done) => stream.once('close', done))));
  return {
    child,
    stdin: child.stdin,
    stdout: streams[0]!,
    stderr: streams[1]!,
    status,
    closed,
    started: () => status.text().includes('"child-pid"'),
    killTree,
    destroyOutputs: () => {
      for (const stream of streams) stream.destroy();
    },
  };
}

/** The error for bubblewrap's failure to start at all (its `error` event). */
export function bubblewrapStartError(error: Error, bwrapPath: string): Error {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    return new UserError('sandbox-unavailable', `bubblewrap (${bwrapPath}) is not installed`, {
      hint: INSTALL_HINT,
      cause: error,
    });
  }
  return new SystemError('sandbox-failed', `could not start bubblewrap: ${error.message}`, { cause: error });
}
