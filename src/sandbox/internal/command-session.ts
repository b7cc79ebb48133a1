import { fileURLToPath } from 'node:url';
import { SystemError } from '../../spec/errors.ts';
import { type BubblewrapProcess, spawnBubblewrap } from './bubblewrap-spawn.ts';
import { type CappedOutput, createCappedOutput } from './capped-output.ts';
import type { CommandCgroup } from './cgroup-limits.ts';

/** Where the command server's program appears inside the sandbox (read-only). */
export const SANDBOX_COMMAND_SERVER = '/opt/warden-command-server.mjs';
/** The command server's program on the host. */
export const COMMAND_SERVER_PROGRAM = fileURLToPath(new URL('./command-server-program.mjs', import.meta.url));

/** How long the command server may take to say it is ready. */
const READY_TIMEOUT_MS = 10_000;
/** The longest line the server may send: a data line carries one pipe read (64 KiB), in base64. */
const MAX_LINE_BYTES = 1024 * 1024;

/** One command for the session's server. */
export interface SessionRequest {
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  maxOutputBytes: number;
}

/** How a command run in a session ended, as its server reported it. */
export interface SessionRun {
  exitCode: number | null;
  signal: string | null;
  /**
   * Why the command's status is unknown: the sandbox ended while it ran (killed from outside for a
   * limit, or its server was killed by the command) or the server said something that is not a message.
   * `null` when the server reported the command's end.
   */
  lost: string | null;
}

/** One long-lived bubblewrap sandbox running Warden's command server: commands cost a fork. */
export interface CommandSession {
  /** Whether the sandbox is still running. */
  readonly alive: boolean;
  /** Whether a command is running in it now. */
  readonly busy: boolean;
  /** Runs one command; its output goes to `stdout` and `stderr`. Never more than one at a time. */
  run(request: SessionRequest, stdout: CappedOutput, stderr: CappedOutput): Promise<SessionRun>;
  /** Kills the sandbox and everything in it. */
  kill(): void;
  /** Resolves once the sandbox has exited and its outputs are closed. */
  readonly ended: Promise<void>;
}

interface Message {
  ready?: unknown;
  id?: unknown;
  stream?: unknown;
  data?: unknown;
  exit?: unknown;
  signal?: unknown;
  dropped?: unknown;
  error?: unknown;
}

/**
 * Starts a sandbox from `args` (bubblewrap's sandbox arguments followed by the server's command line) and
 * waits for its command server to say it is ready.
 *
 * @throws SystemError `sandbox-failed` when the server does not start (its error output is in the message).
 */
export async function startCommandSession(
  bwrapPath: string,
  args: readonly string[],
  cgroup: CommandCgroup | null,
): Promise<CommandSession> {
  const sandbox = spawnBubblewrap(bwrapPath, args, cgroup, 'pipe');
  const errors = createCappedOutput(16 * 1024);
  sandbox.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
  let alive = true;
  let nextId = 1;
  let current: {
    id: number;
    stdout: CappedOutput;
    stderr: CappedOutput;
    done: (run: SessionRun) => void;
  } | null = null;
  let ready: ((error: Error | null) => void) | null = null;

  const fail = (reason: string) => {
    sandbox.killTree();
    current?.done({ exitCode: null, signal: 'SIGKILL', lost: reason });
    current = null;
  };
  const onMessage = (message: Message) => {
    if (message.ready === true && ready) {
      ready(null);
      ready = null;
      return;
    }
    if (!current || message.id !== current.id) return fail('the command server answered out of turn');
    if ((message.stream === 1 || message.stream === 2) && typeof message.data === 'string') {
      (message.stream === 1 ? current.stdout : current.stderr).push(Buffer.from(message.data, 'base64'));
      return;
    }
    if (typeof message.error === 'string') {
      current.stderr.push(Buffer.from(`warden: the command could not start: ${message.error}\n`));
      current.done({ exitCode: 127, signal: null, lost: null });
      current = null;
      return;
    }
    const { exit, signal, dropped } = message;
    if (
      (exit === null || Number.isInteger(exit)) &&
      (signal === null || typeof signal === 'string') &&
      Array.isArray(dropped) &&
      dropped.length === 2 &&
      dropped.every((count) => Number.isSafeInteger(count) && count >= 0)
    ) {
      current.stdout.skip(dropped[0]);
      current.stderr.skip(dropped[1]);
      current.done({ exitCode: exit as number | null, signal: signal as string | null, lost: null });
      current = null;
      return;
    }
    fail('the command server sent something that is not a message');
  };
  readLines(
    sandbox,
    (line) => {
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        return fail('the command server sent something that is not a message');
      }
      if (typeof message !== 'object' || message === null)
        return fail('the command server sent something that is not a message');
      onMessage(message as Message);
    },
    () => fail('the command server sent a line longer than any message'),
  );

  const ended = new Promise<void>((resolve) => {
    sandbox.child.once('error', () => {
      alive = false;
      resolve();
    });
    sandbox.child.once('exit', () => {
      alive = false;
      const grace = setTimeout(() => sandbox.destroyOutputs(), 250);
      sandbox.closed.then(() => {
        clearTimeout(grace);
        fail('the sandbox ended while the command ran');
        ready?.(new Error('the sandbox ended'));
        resolve();
      });
    });
  });

  const started = await new Promise<Error | null>((resolve) => {
    ready = resolve;
    const timer = setTimeout(
      () => resolve(new Error(`not ready after ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    timer.unref();
    sandbox.child.once('error', (error) => resolve(error));
  });
  if (started) {
    sandbox.killTree();
    await ended;
    const detail = errors.text().trim() || started.message;
    throw new SystemError('sandbox-failed', `the sandbox's command server did not start: ${detail}`, {
      cause: started,
    });
  }

  return {
    get alive() {
      return alive;
    },
    get busy() {
      return current !== null;
    },
    run(request, stdout, stderr) {
      if (!alive)
        return Promise.resolve({ exitCode: null, signal: 'SIGKILL', lost: 'the sandbox has ended' });
      if (current)
        return Promise.reject(
          new SystemError('sandbox-failed', 'a command is already running in this sandbox'),
        );
      const id = nextId++;
      return new Promise<SessionRun>((done) => {
        current = { id, stdout, stderr, done };
        sandbox.stdin?.write(`${JSON.stringify({ id, ...request })}\n`);
      });
    },
    kill: () => sandbox.killTree(),
    ended,
  };
}

/** Calls `onLine` with each line of the sandbox's stdout; `onTooLong` when a line passes the limit. */
function readLines(sandbox: BubblewrapProcess, onLine: (line: string) => void, onTooLong: () => void) {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  sandbox.stdout.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, end));
      onLine(Buffer.concat(pending).toString('utf8'));
      pending = [];
      pendingBytes = 0;
      start = end + 1;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > MAX_LINE_BYTES) {
        pending = [];
        pendingBytes = 0;
        onTooLong();
      }
    }
  });
}
