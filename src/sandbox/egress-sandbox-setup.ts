import { fileURLToPath } from 'node:url';

/** Where the proxy's Unix socket appears inside the sandbox. */
export const SANDBOX_EGRESS_SOCKET = '/run/warden-egress/proxy.sock';
/**
 * Where the relay program appears inside the sandbox. It is mounted as `.mjs`: the file has no type
 * syntax, so node runs it as plain ESM without loading the type stripper (which doubles its start-up).
 */
export const SANDBOX_EGRESS_RELAY = '/run/warden-egress/relay.mjs';
/** The loopback port the relay listens on inside the sandbox, unless told otherwise. */
export const DEFAULT_SANDBOX_PROXY_PORT = 3128;
/** Exit code of a sandboxed command whose relay did not start (the command itself did not run). */
export const EGRESS_RELAY_FAILED_EXIT = 125;

export interface EgressSandboxSettings {
  /** The proxy's Unix socket on the host (what was given to `EgressProxy.listenOnSocket`). */
  socketPath: string;
  /** Loopback port for the relay inside the sandbox. Default 3128. */
  port?: number;
  /** The node binary inside the sandbox. Default `/opt/warden-node/bin/node`, where the driver mounts it. */
  nodePath?: string;
}

/** What a sandbox driver adds to make the egress proxy, and nothing else, reachable from inside. */
export interface EgressSandboxSetup {
  /**
   * bubblewrap arguments binding the proxy socket and the relay program read-only under
   * `/run/warden-egress/`. They create mount points, so they go before `--remount-ro /`.
   */
  bwrapArguments: string[];
  /** Proxy variables for the sandbox (upper and lower case, npm, yarn, cargo, Node's own fetch). */
  env: Record<string, string>;
  /** The proxy's URL inside the sandbox (`http://127.0.0.1:3128`), for `createSecretPlaceholders`. */
  proxyUrl: string;
  /**
   * Wraps a shell command so that it runs only once the relay listens: the relay starts in the
   * background and signals readiness through a pipe (no sleep); if it cannot start, the command does
   * not run and the shell exits with code 125 and a message on stderr. The relay dies with the sandbox.
   */
  wrapCommand(command: string): string;
}

/**
 * The additions that give a bubblewrap sandbox (network namespace unshared, so only its own loopback)
 * a way out through Warden's egress proxy: the bind mounts, the environment and the command wrapper.
 * Pure: no I/O.
 */
export function buildEgressSandboxSetup(settings: EgressSandboxSettings): EgressSandboxSetup {
  const port = settings.port ?? DEFAULT_SANDBOX_PROXY_PORT;
  const nodePath = settings.nodePath ?? '/opt/warden-node/bin/node';
  const relayProgram = fileURLToPath(new URL('./internal/egress-relay-program.ts', import.meta.url));
  const proxyUrl = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {};
  for (const name of [
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'ALL_PROXY',
    'http_proxy',
    'https_proxy',
    'all_proxy',
    'npm_config_proxy',
    'npm_config_https_proxy',
    'YARN_HTTP_PROXY',
    'YARN_HTTPS_PROXY',
    'CARGO_HTTP_PROXY',
  ]) {
    env[name] = proxyUrl;
  }
  // Only the sandbox's own loopback bypasses the proxy: it reaches nothing but the sandbox itself,
  // and it must stay direct for a project's own test servers and for the upstream URLs, which point
  // at the relay (clients that tunnel everything, like Node's fetch, would otherwise CONNECT to
  // 127.0.0.1 through the proxy, which refuses loopback).
  const loopback = 'localhost,127.0.0.1,::1';
  env.NO_PROXY = loopback;
  env.no_proxy = loopback;
  env.npm_config_noproxy = loopback;
  // Node's built-in fetch and http honour the variables above only when asked to.
  env.NODE_USE_ENV_PROXY = '1';
  const relay = [nodePath, SANDBOX_EGRESS_RELAY, String(port), SANDBOX_EGRESS_SOCKET].map(quote).join(' ');
  return {
    bwrapArguments: [
      '--ro-bind',
      settings.socketPath,
      SANDBOX_EGRESS_SOCKET,
      '--ro-bind',
      relayProgram,
      SANDBOX_EGRESS_RELAY,
    ],
    env,
    proxyUrl,
    wrapCommand(command) {
      return [
        `warden_relay_ready=$(${relay} 3>&1 >/dev/null </dev/null &)`,
        `[ "$warden_relay_ready" = R ] || { echo 'warden: the egress relay did not start' >&2; exit ${EGRESS_RELAY_FAILED_EXIT}; }`,
        `unset warden_relay_ready`,
        `exec /bin/sh -c ${quote(command)}`,
      ].join('\n');
    },
  };
}

/** Single-quotes a word for /bin/sh. */
function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
