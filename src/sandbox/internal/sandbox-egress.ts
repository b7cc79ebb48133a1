import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SandboxEgress } from '../../spec/sandbox.ts';
import type { EgressResolver } from '../egress-resolver.ts';
import { buildEgressSandboxSetup } from '../egress-sandbox-setup.ts';
import { createSecretPlaceholders } from '../egress-secrets.ts';

/** A running proxy for one sandbox, and what each of its commands needs to reach it. */
export interface SandboxEgressRuntime {
  /** bubblewrap mounts of the socket and the relay; they go before `--remount-ro /`. */
  bwrapArguments: readonly string[];
  /** Proxy variables and secret placeholders (never a real secret). */
  env: Readonly<Record<string, string>>;
  /** Starts the relay inside before the command, or fails the command with exit code 125. */
  wrapCommand(command: string): string;
  /** Stops the proxy, ends its connections and removes its socket directory. */
  close(): Promise<void>;
}

/** Whether `egress` lets anything out at all. */
export function egressWanted(egress: SandboxEgress | undefined): egress is SandboxEgress {
  return egress !== undefined && (egress.allow.length > 0 || (egress.upstreams?.length ?? 0) > 0);
}

/**
 * Starts the egress proxy of one sandbox on a Unix socket in a fresh private (0700) directory outside
 * any workspace; the sandbox reaches it only through the socket, bind-mounted read-only.
 *
 * @param nodePath the node binary as seen inside the sandbox (it runs the relay).
 * @param resolve the proxy's resolver; undefined: the host's DNS, every answer checked.
 * @throws UserError `config-invalid` for an allow-list entry, secret or upstream that cannot be read.
 */
export async function startSandboxEgress(
  egress: SandboxEgress,
  nodePath: string,
  resolve: EgressResolver | undefined,
): Promise<SandboxEgressRuntime> {
  const directory = await mkdtemp(path.join(tmpdir(), 'warden-egress-'));
  try {
    const socketPath = path.join(directory, 'proxy.sock');
    const setup = buildEgressSandboxSetup({ socketPath, nodePath });
    const placeholders = createSecretPlaceholders({
      secrets: egress.secrets,
      upstreams: egress.upstreams,
      proxyUrl: setup.proxyUrl,
    });
    // Loaded only for a sandbox that may reach out: its HTTP modules cost every other start ~40 ms.
    const { createEgressProxy } = await import('../egress-proxy.ts');
    const proxy = createEgressProxy({
      allow: egress.allow,
      readOnly: egress.readOnly ?? [],
      resolve,
      secrets: placeholders.proxy,
      onConnection: egress.onConnection ?? (() => {}),
      hold: egress.hold,
    });
    await proxy.listenOnSocket(socketPath);
    return {
      bwrapArguments: setup.bwrapArguments,
      env: { ...setup.env, ...placeholders.env },
      wrapCommand: (command) => setup.wrapCommand(command),
      async close() {
        await proxy.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}
