import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { SystemError, UserError } from '../spec/errors.ts';
import type { ExecOptions, ExecResult, SandboxDriver } from '../spec/sandbox.ts';
import { buildBubblewrapArguments, type SandboxLayout } from './internal/bubblewrap-arguments.ts';
import { type CappedOutput, createCappedOutput } from './internal/capped-output.ts';

export interface BubblewrapSettings {
  /** The bubblewrap binary. Default: `bwrap`, looked up on the host's PATH. */
  bwrapPath?: string;
  /**
   * Host directory of the node binary to make reachable read-only inside (at `/opt/warden-node/bin`,
   * first on PATH), so `node` and `npm test` work. Default: the directory of the running node;
   * `null` leaves node out (a node under /usr is visible anyway).
   */
  nodeDir?: string | null;
}

/** How long output pipes may stay open after bubblewrap itself has exited. */
const PIPE_GRACE_MS = 250;

const INSTALL_HINT = 'install bubblewrap: apt-get install bubblewrap';

interface RawRun {
  exitCode: number | null;
  signal: string | null;
  started: boolean;
  stdout: CappedOutput;
  stderr: CappedOutput;
  timedOut: boolean;
  durationMs: number;
}

/**
 * The default sandbox driver: each command runs under bubblewrap with no network, a read-only system,
 * the workspace as its only writable host directory (its `.git` read-only), a private /tmp, no
 * capabilities and an allow-listed environment. The whole process tree dies with the command: on
 * timeout, bubblewrap's process group is killed and its pid namespace goes with it. Never falls back
 * to running unsandboxed.
 */
export function createBubblewrapDriver(settings: BubblewrapSettings = {}): SandboxDriver {
  const bwrapPath = settings.bwrapPath ?? 'bwrap';
  const nodeDir = settings.nodeDir === undefined ? path.dirname(process.execPath) : settings.nodeDir;
  let checked: Promise<void> | null = null;

  async function run(layout: SandboxLayout, command: string, options: ExecOptions): Promise<RawRun> {
    const args = await buildBubblewrapArguments(layout, command);
    const stdout = createCappedOutput(options.maxOutputBytes);
    const stderr = createCappedOutput(options.maxOutputBytes);
    const status = createCappedOutput(64 * 1024);
    const startedAt = performance.now();

    return await new Promise<RawRun>((resolve, reject) => {
      const child = spawn(bwrapPath, ['--json-status-fd', '3', ...args], {
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        // Only for finding bubblewrap; the sandbox itself starts from --clearenv.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        // Its own process group, so a timeout can kill bubblewrap and everything it started at once.
        detached: true,
      });
      const streams = child.stdio.slice(1) as Readable[];
      child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      streams[2]?.on('data', (chunk: Buffer) => status.push(chunk));
      const closed = Promise.all(streams.map((stream) => new Promise((done) => stream.once('close', done))));

      let timedOut = false;
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

      child.on('error', (error) => {
        clearTimeout(timer);
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
        clearTimeout(timer);
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
            durationMs: Math.round(performance.now() - startedAt),
          });
        });
      });
    });
  }

  return {
    name: 'bubblewrap',

    async check() {
      if (checked) return await checked;
      const attempt = (async () => {
        const result = await run({ workspaceDir: null, nodeDir, env: {} }, 'true', {
          timeoutMs: 10_000,
          maxOutputBytes: 4096,
        });
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
    },

    async exec(workspaceDir, command, options): Promise<ExecResult> {
      const result = await run(
        { workspaceDir: path.resolve(workspaceDir), nodeDir, env: options.env ?? {} },
        command,
        options,
      );
      if (!result.started && !result.timedOut) {
        throw new SystemError(
          'sandbox-failed',
          `bubblewrap could not set up the sandbox: ${result.stderr.text().trim()}`,
        );
      }
      return {
        exitCode: result.exitCode,
        signal: result.signal,
        stdout: result.stdout.text(),
        stderr: result.stderr.text(),
        stdoutBytes: result.stdout.bytes,
        stderrBytes: result.stderr.bytes,
        truncated: result.stdout.truncated || result.stderr.truncated,
        timedOut: result.timedOut,
        durationMs: result.durationMs,
      };
    },
  };
}
