import { chmod, lstat, unlink } from 'node:fs/promises';
import http from 'node:http';
import type { Socket } from 'node:net';
import { SystemError } from '../spec/errors.ts';
import { createEgressAllowList, type EgressAllowList } from './egress-allow-list.ts';
import { type EgressResolver, resolveWithSystemDns } from './egress-resolver.ts';
import type { EgressSecretSettings } from './egress-secrets.ts';
import { handleConnect, refuseRaw } from './internal/egress-connect.ts';
import type { EgressConnection, EgressContext } from './internal/egress-context.ts';
import { handleHttpRequest } from './internal/egress-http.ts';

export type { EgressConnection } from './internal/egress-context.ts';

export interface EgressProxySettings {
  /** The task's allow-list: entries (see `createEgressAllowList`) or a compiled list. Empty allows nothing. */
  allow: EgressAllowList | readonly string[];
  /**
   * How names become addresses. Default: the host's resolver, every answer checked against the
   * forbidden ranges. Tests inject `createStaticEgressResolver` (the testing entry) to reach a server on 127.0.0.1.
   */
  resolve?: EgressResolver;
  /** Called once per connection or request, allowed or refused, when it ends. Errors it throws are ignored. */
  onConnection: (connection: EgressConnection) => void;
  /**
   * Entries (or a compiled list) of allowed hosts whose plain-HTTP requests may only read: GET and HEAD.
   * Default: none. Credentialed upstreams and secrets carry their own `allowWrite`.
   */
  readOnly?: EgressAllowList | readonly string[];
  /** A reason to refuse a target the allow-list admits (see `SandboxEgress.hold`); default: none. */
  hold?: ((host: string, port: number) => string | undefined) | undefined;
  /** Placeholders to replace and credentialed upstreams, from `createSecretPlaceholders`. Default: none. */
  secrets?: EgressSecretSettings;
  /** Client connections open at once; more are closed at once and recorded as refused. Default 64. */
  maxConnections?: number;
  /** A connection with no traffic either way for this long is closed. Default 60 000 ms. */
  idleTimeoutMs?: number;
  /** Giving up on a target that does not accept the connection. Default 10 000 ms. */
  connectTimeoutMs?: number;
}

/** Warden's egress proxy on the host. It does nothing until told where to listen. */
export interface EgressProxy {
  /**
   * Listens on a Unix socket (mode 0600) at `socketPath`, to be bind-mounted into the sandbox. A stale
   * socket left there is replaced.
   *
   * @throws SystemError `sandbox-failed` when something other than a socket is at that path, or the
   *   socket cannot be created.
   */
  listenOnSocket(socketPath: string): Promise<void>;
  /**
   * Listens on 127.0.0.1 (for tests and benchmarks), on `port` or a free one when 0 or undefined;
   * resolves to the port.
   */
  listenOnLoopback(port?: number): Promise<number>;
  /** Stops listening, ends every open connection and removes the socket files it made. */
  close(): Promise<void>;
}

/**
 * Creates the egress proxy: HTTP in absolute form and HTTPS through `CONNECT`, decided by host name
 * against the allow-list; names are resolved here and connections go to the resolved address, never
 * to loopback, private, link-local or metadata addresses or the host's own. Requests under
 * `/_upstream/<name>/` go to the credentialed upstreams of `secrets`. Fails closed: anything it cannot
 * decide is refused. No I/O until `listenOnSocket` or `listenOnLoopback`.
 *
 * @throws UserError `config-invalid` when an allow-list entry cannot be read.
 */
export function createEgressProxy(settings: EgressProxySettings): EgressProxy {
  const allow = isCompiled(settings.allow) ? settings.allow : createEgressAllowList(settings.allow);
  const maxConnections = settings.maxConnections ?? 64;
  const readOnly = settings.readOnly ?? [];
  const context: EgressContext = {
    allow,
    readOnly: isCompiled(readOnly) ? readOnly : createEgressAllowList(readOnly),
    resolve: settings.resolve ?? resolveWithSystemDns,
    hold: settings.hold,
    secrets: settings.secrets ?? { substitutions: [], upstreams: [] },
    idleTimeoutMs: settings.idleTimeoutMs ?? 60_000,
    connectTimeoutMs: settings.connectTimeoutMs ?? 10_000,
    upstreamSockets: new Set(),
    record(connection) {
      try {
        settings.onConnection(connection);
      } catch {
        // The journal's trouble must not take the proxy down; the connection has happened either way.
      }
    },
  };
  const servers: http.Server[] = [];
  const clients = new Set<Socket>();
  const socketFiles: string[] = [];
  let closing = false;

  function createServer(): http.Server {
    const server = http.createServer({ requestTimeout: 0, headersTimeout: 30_000, keepAliveTimeout: 5_000 });
    server.on('connection', (socket: Socket) => {
      if (closing || clients.size >= maxConnections) {
        context.record({
          host: '',
          port: 0,
          method: '',
          decision: 'refuse',
          reason: closing ? 'proxy is closing' : 'too many connections',
          bytesUp: 0,
          bytesDown: 0,
          at: new Date().toISOString(),
          durationMs: 0,
        });
        socket.destroy();
        return;
      }
      clients.add(socket);
      socket.once('close', () => clients.delete(socket));
      socket.setTimeout(context.idleTimeoutMs, () => socket.destroy());
    });
    server.on('request', (request, response) => {
      handleHttpRequest(context, request, response).catch(() => response.destroy());
    });
    server.on('connect', (request, socket, head) => {
      handleConnect(context, request, socket, head).catch(() => socket.destroy());
    });
    server.on('upgrade', (request, socket) => {
      context.record({
        host: '',
        port: 0,
        method: request.method ?? '',
        decision: 'refuse',
        reason: 'protocol upgrade is not supported',
        bytesUp: 0,
        bytesDown: 0,
        at: new Date().toISOString(),
        durationMs: 0,
      });
      refuseRaw(socket, '403 Forbidden', 'protocol upgrade is not supported');
    });
    server.on('clientError', (_error, socket) => socket.destroy());
    servers.push(server);
    return server;
  }

  async function listen(server: http.Server, target: { path: string } | { host: string; port: number }) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(target, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  return {
    async listenOnSocket(socketPath) {
      const existing = await lstat(socketPath).catch(() => null);
      if (existing !== null && !existing.isSocket()) {
        throw new SystemError(
          'sandbox-failed',
          `egress proxy socket path ${socketPath} exists and is not a socket`,
        );
      }
      if (existing !== null) await unlink(socketPath);
      try {
        await listen(createServer(), { path: socketPath });
        socketFiles.push(socketPath);
        await chmod(socketPath, 0o600);
      } catch (error) {
        throw new SystemError('sandbox-failed', `egress proxy cannot listen on ${socketPath}`, {
          cause: error,
        });
      }
    },

    async listenOnLoopback(port = 0) {
      const server = createServer();
      try {
        await listen(server, { host: '127.0.0.1', port });
      } catch (error) {
        throw new SystemError('sandbox-failed', `egress proxy cannot listen on 127.0.0.1:${port}`, {
          cause: error,
        });
      }
      const address = server.address();
      return typeof address === 'object' && address !== null ? address.port : port;
    },

    async close() {
      closing = true;
      const stopped = servers.map((server) => new Promise((done) => server.close(done)));
      for (const socket of [...clients, ...context.upstreamSockets]) socket.destroy();
      await Promise.all(stopped);
      await Promise.all(socketFiles.map((file) => unlink(file).catch(() => undefined)));
    },
  };
}

function isCompiled(allow: EgressAllowList | readonly string[]): allow is EgressAllowList {
  return !Array.isArray(allow);
}
