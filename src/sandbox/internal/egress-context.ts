import { connect, type Socket } from 'node:net';
import { SystemError } from '../../spec/errors.ts';
import type { EgressAllowList } from '../egress-allow-list.ts';
import type { EgressResolver } from '../egress-resolver.ts';
import type { EgressSecretSettings } from '../egress-secrets.ts';

/** One connection or request through the proxy, allowed or refused, as handed to `onConnection`. */
export interface EgressConnection {
  /** The target host as the client named it, normalised (lower case, literal addresses canonical). */
  host: string;
  /** The target port; 0 when the request was refused before a port was known. */
  port: number;
  /** `CONNECT` for a tunnel, otherwise the HTTP method. */
  method: string;
  decision: 'allow' | 'refuse';
  /** Why: `on the allow-list`, `not on the allow-list`, `address is loopback`, `credentialed upstream npm`, … */
  reason: string;
  /** Bytes from the sandbox to the target (request body, or tunnel payload). */
  bytesUp: number;
  /** Bytes from the target back to the sandbox. */
  bytesDown: number;
  /** When the request arrived, ISO 8601. */
  at: string;
  durationMs: number;
  /** What went wrong after an allowed decision (the target did not answer, …); undefined if nothing. */
  error?: string;
}

/** What the request handlers share. */
export interface EgressContext {
  allow: EgressAllowList;
  resolve: EgressResolver;
  secrets: EgressSecretSettings;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  /** Every outgoing socket, so `close()` can end them. */
  upstreamSockets: Set<Socket>;
  record(connection: EgressConnection): void;
}

/** Starts the record of one connection; `finish` fills in bytes, duration and the outcome. */
export function startRecord(context: EgressContext, method: string) {
  const startedAt = Date.now();
  const at = new Date(startedAt).toISOString();
  let done = false;
  return {
    finish(fields: Omit<EgressConnection, 'at' | 'durationMs' | 'method'>) {
      if (done) return;
      done = true;
      context.record({ ...fields, method, at, durationMs: Date.now() - startedAt });
    },
  };
}

/**
 * Connects to the first of `addresses` that answers, in order, each within the connect timeout. The
 * addresses are literals, so nothing is resolved again here.
 */
export async function connectFirst(context: EgressContext, addresses: readonly string[], port: number) {
  let lastError: unknown = null;
  for (const address of addresses) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: address, port, noDelay: true });
        context.upstreamSockets.add(socket);
        socket.once('close', () => context.upstreamSockets.delete(socket));
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new SystemError('sandbox-failed', `connect to ${address}:${port} timed out`));
        }, context.connectTimeoutMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          socket.setTimeout(context.idleTimeoutMs, () => socket.destroy());
          resolve(socket);
        });
        socket.once('error', (error) => {
          clearTimeout(timer);
          socket.destroy();
          reject(error);
        });
      });
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError ?? new SystemError('sandbox-failed', 'no address to connect to');
}

/** The short text of an error for the record and for the client: no stack, no headers. */
export function describeFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code) return code;
  return error instanceof Error ? error.message : 'failed';
}
