import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { SystemError } from '../spec/errors.ts';

const run = promisify(execFile);

/** Where Debian's `postgresql-NN` packages put the server binaries (they are not on PATH). */
const DEBIAN_POSTGRES = '/usr/lib/postgresql';

/** A throwaway PostgreSQL server on a Unix socket in a temp directory, for tests. */
export interface PostgresCluster {
  /** `postgresql://warden@/warden_test?host=<socket dir>`: a superuser, trust auth, no TCP. */
  url: string;
  /** The cluster's directory: the data, the log and the socket. */
  directory: string;
  /** Stops the server (fast shutdown) and removes the directory. */
  stop: () => Promise<void>;
}

/**
 * The newest `/usr/lib/postgresql/NN/bin` that holds `initdb`, `undefined` when PostgreSQL's server
 * package is not installed.
 */
export function findPostgresBin(): string | undefined {
  if (!existsSync(DEBIAN_POSTGRES)) return undefined;
  const versions = readdirSync(DEBIAN_POSTGRES)
    .filter((name) => /^\d+$/.test(name) && existsSync(path.join(DEBIAN_POSTGRES, name, 'bin', 'initdb')))
    .sort((left, right) => Number(right) - Number(left));
  return versions[0] === undefined ? undefined : path.join(DEBIAN_POSTGRES, versions[0], 'bin');
}

/**
 * Starts a throwaway cluster: `initdb` into a fresh directory under /tmp (short, since a socket path is
 * limited to ~107 bytes), `pg_ctl start` listening on a Unix socket in that directory only (so parallel
 * clusters never collide), fsync off, then creates the database `warden_test`. PostgreSQL refuses to run
 * as root, so as root the server runs as `nobody` (through `setpriv`); otherwise as the current user.
 * Throws with the server's log when it does not come up within `timeoutMs` (default 20 s).
 */
export async function startPostgresCluster(bin: string, timeoutMs = 20_000): Promise<PostgresCluster> {
  const directory = mkdtempSync('/tmp/warden-pg.');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(directory, nobodyIds().uid, nobodyIds().gid);
  const asServer = (command: string, args: string[]) =>
    asRoot
      ? run(
          'setpriv',
          [
            '--reuid=nobody',
            '--regid=nogroup',
            '--clear-groups',
            'env',
            `HOME=${directory}`,
            command,
            ...args,
          ],
          { timeout: timeoutMs },
        )
      : run(command, args, { timeout: timeoutMs, env: { ...process.env, HOME: directory } });
  const data = path.join(directory, 'data');
  const log = path.join(directory, 'log');
  let started = false;
  const stop = async () => {
    if (started) {
      await asServer(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => {});
    }
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + timeoutMs;
    await asServer(path.join(bin, 'initdb'), [
      ...['-D', data, '-U', 'warden', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'],
    ]);
    const settings = `-c listen_addresses='' -k ${directory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    const remaining = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    await asServer(path.join(bin, 'pg_ctl'), [
      ...['-D', data, '-l', log, '-w', '-t', String(remaining), '-o', settings, 'start'],
    ]);
    started = true;
    await asServer(path.join(bin, 'createdb'), ['-h', directory, '-U', 'warden', 'warden_test']);
  } catch (error) {
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').slice(-2_000) : '(no server log)';
    await stop();
    throw new SystemError(
      'store-failed',
      `the throwaway PostgreSQL cluster (${bin}) did not start within ${timeoutMs} ms: ${(error as Error).message}\n${serverLog}`,
      { cause: error, hint: 'set WARDEN_TEST_DATABASE_URL to a server of your own to skip starting one' },
    );
  }
  return { url: `postgresql://warden@/warden_test?host=${directory}`, directory, stop };
}

function nobodyIds(): { uid: number; gid: number } {
  const field = (file: string, name: string) => {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith(`${name}:`));
    if (line === undefined) {
      throw new SystemError(
        'store-failed',
        `no ${name} in ${file}: cannot run PostgreSQL as root without it`,
      );
    }
    return Number(line.split(':')[2]);
  };
  return { uid: field('/etc/passwd', 'nobody'), gid: field('/etc/group', 'nogroup') };
}
