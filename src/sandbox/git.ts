import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SystemError, WardenError } from '../spec/errors.ts';

/** Who a commit is attributed to. */
export interface GitIdentity {
  name: string;
  email: string;
}

export interface RunGitOptions {
  /** Directory git runs in (`git -C` semantics: the repository is discovered from here). */
  cwd: string;
  /** Extra environment variables, on top of the minimal environment git is given. */
  env?: Readonly<Record<string, string>>;
  /**
   * Written to git's stdin; stdin is closed (empty) when absent. Chunks from an iterable are written
   * as they come, with backpressure (a `fast-import` stream larger than memory).
   */
  input?: string | Uint8Array | AsyncIterable<Uint8Array>;
  /** Exit codes that count as success besides 0 (`check-ignore` exits 1 when nothing is ignored). */
  acceptExitCodes?: readonly number[];
  /** Identity for anything git records (commits, reflogs). Default: `Warden <warden@warden.local>`. */
  identity?: GitIdentity;
  /** Extra `-c key=value` settings. A key that would override one of the hardening settings is refused. */
  config?: Readonly<Record<string, string>>;
  /**
   * Lets this one git reach one remote: the transport of `url`'s scheme (http or https) is allowed,
   * redirects are not followed, and `authorization` is sent as the `Authorization` header to URLs
   * under `url` only (none when it is empty). The header goes through the environment (`GIT_CONFIG_*`),
   * never the command line.
   */
  network?: { url: string; authorization: string };
}

export interface GitResult {
  /** 0, or one of `acceptExitCodes`. */
  exitCode: number;
  stdout: string;
  /** The same output as bytes, for binary content (`git cat-file blob`). */
  stdoutBytes: Buffer;
  stderr: string;
}

const DEFAULT_IDENTITY: GitIdentity = { name: 'Warden', email: 'warden@warden.local' };

/**
 * Settings that switch off everything a hostile repository's config could make git execute or reach:
 * hooks, fsmonitor, pagers, external diff, credential helpers, and every transport but local files.
 * Command-line `-c` beats the repository's own config, and is passed on to git's child processes.
 */
const HARDENING_CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['core.hooksPath', '/dev/null'],
  ['core.fsmonitor', 'false'],
  ['core.sshCommand', ''],
  ['core.askPass', ''],
  ['core.pager', 'cat'],
  ['core.attributesFile', '/dev/null'],
  ['core.editor', 'false'],
  ['core.alternateRefsCommand', 'true'],
  ['diff.external', ''],
  ['credential.helper', ''],
  ['safe.bareRepository', 'explicit'],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
  ['fetch.recurseSubmodules', 'false'],
  ['submodule.recurse', 'false'],
  ['commit.gpgSign', 'false'],
  ['tag.gpgSign', 'false'],
  ['protocol.allow', 'never'],
  ['protocol.file.allow', 'always'],
  ['protocol.ext.allow', 'never'],
  ['protocol.ssh.allow', 'never'],
  ['protocol.git.allow', 'never'],
  ['protocol.http.allow', 'never'],
  ['protocol.https.allow', 'never'],
];

/**
 * Runs the host's `git` with everything a hostile repository could make it execute switched off, in a
 * minimal environment: no inherited `GIT_*` variables, no system or global config, no prompts, and
 * optional locks off (so read-only commands such as `status` never rewrite the index).
 *
 * @throws SystemError `git-failed` when git cannot be started or exits non-zero; the message carries
 *   git's stderr. Callers that know the user's repository is at fault rethrow it as a `UserError`.
 */
export async function runGit(args: readonly string[], options: RunGitOptions): Promise<GitResult> {
  const identity = options.identity ?? DEFAULT_IDENTITY;
  for (const key of Object.keys(options.config ?? {})) {
    if (HARDENING_CONFIG.some(([hardened]) => hardened.toLowerCase() === key.toLowerCase())) {
      throw new SystemError(
        'git-failed',
        `refusing to run git with ${key} overridden: it is a hardening setting`,
      );
    }
  }
  const network = options.network ? networkSettings(options.network) : undefined;
  const settings: Array<readonly [string, string]> = [
    ...HARDENING_CONFIG,
    ...(network?.config ?? []),
    ['user.name', identity.name],
    ['user.email', identity.email],
    ['user.useConfigOnly', 'false'],
    ...Object.entries(options.config ?? {}),
  ];
  const fullArgs = ['--no-pager', ...settings.flatMap(([key, value]) => ['-c', `${key}=${value}`]), ...args];
  const environment: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: '/nonexistent',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    ...options.env,
    ...network?.env,
  };

  return await new Promise<GitResult>((resolve, reject) => {
    const child = spawn('git', fullArgs, {
      cwd: options.cwd,
      env: environment,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      reject(
        new SystemError('git-failed', `could not run git ${args[0] ?? ''}: ${error.message}`, {
          cause: error,
        }),
      );
    });
    child.on('close', (exitCode, signal) => {
      const stdoutBytes = Buffer.concat(stdout);
      const result = {
        exitCode: exitCode ?? -1,
        stdout: stdoutBytes.toString('utf8'),
        stdoutBytes,
        stderr: Buffer.concat(stderr).toString('utf8'),
      };
      if (exitCode === 0 || (exitCode !== null && options.acceptExitCodes?.includes(exitCode))) {
        resolve(result);
        return;
      }
      const status = signal ? `was killed by ${signal}` : `exited with ${exitCode}`;
      const detail = result.stderr.trim() || result.stdout.trim();
      reject(new SystemError('git-failed', `git ${args.join(' ')} ${status}${detail ? `: ${detail}` : ''}`));
    });
    // A git that exits before reading its input must not crash the process with EPIPE.
    child.stdin.on('error', () => {});
    const input = options.input ?? '';
    if (typeof input === 'string' || input instanceof Uint8Array) child.stdin.end(input);
    else {
      // A failing input stream kills git, so the close handler above reports it and nothing half-done stays.
      pipeline(Readable.from(input), child.stdin).catch((error: unknown) => {
        child.kill('SIGKILL');
        reject(
          error instanceof WardenError
            ? error
            : new SystemError('git-failed', `could not feed git ${args[0] ?? ''}: ${String(error)}`, {
                cause: error,
              }),
        );
      });
    }
  });
}

/** The settings that open one remote to one git (see `RunGitOptions.network`). */
function networkSettings(network: { url: string; authorization: string }): {
  config: Array<readonly [string, string]>;
  env: Record<string, string>;
} {
  const url = new URL(network.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new SystemError(
      'git-failed',
      `refusing to fetch over ${url.protocol}: only http and https are allowed`,
    );
  }
  const scheme = url.protocol.slice(0, -1);
  return {
    config: [
      [`protocol.${scheme}.allow`, 'always'],
      ['http.followRedirects', 'false'],
    ],
    // No header at all for an anonymous fetch (an empty `authorization`).
    env:
      network.authorization === ''
        ? {}
        : {
            GIT_CONFIG_COUNT: '1',
            GIT_CONFIG_KEY_0: `http.${url.origin}/.extraHeader`,
            GIT_CONFIG_VALUE_0: `Authorization: ${network.authorization}`,
          },
  };
}
