import { connect, type Socket } from 'node:net';
import { SystemError } from '../../spec/errors.ts';
import type { EgressConnection } from '../../spec/sandbox.ts';
import type { EgressAllowList } from '../egress-allow-list.ts';
import type { EgressResolver } from '../egress-resolver.ts';
import type { EgressSecretSettings } from '../egress-secrets.ts';

export type { EgressConnection } from '../../spec/sandbox.ts';

/** What the request handlers share. */
export interface EgressContext {
  allow: EgressAllowList;
  /** Hosts whose plain-HTTP requests may only read (GET and HEAD). */
  readOnly: EgressAllowList;
  resolve: EgressResolver;
  /** A reason to refuse a target the allow-list admits; undefined: none is held. */
  hold?: ((host: string, port: number) => string | undefined) | undefined;
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
