import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where a host toolchain installed outside /usr appears inside the sandbox. */
export const SANDBOX_TOOLCHAIN_DIR = '/opt/host-toolchain';

/**
 * The Node.js that commands in the sandbox run, as the repository would see it on this host.
 * `source: 'host'` is the first `node` on the host's PATH; `'warden'` is Warden's own runtime standing in
 * because the host has none (said so in the run header and the trace).
 */
export interface HostToolchain {
  source: 'host' | 'warden';
  /** The host path of the node binary (links resolved). */
  nodePath: string;
  /**
   * A host directory to mount read-only at {@link SANDBOX_TOOLCHAIN_DIR} (the install prefix of a node
   * outside /usr, so its `npm` comes along); `null` when /usr, which the sandbox sees anyway, holds it.
   */
  mountDir: string | null;
  /** PATH entries inside the sandbox that go before the system's, in order. */
  pathEntries: string[];
}

/**
 * Finds the host's toolchain on `searchPath` (the host's PATH). Entries inside a `node_modules` folder
 * are skipped: they are package installs (Warden's own `node` package puts its Node 24 on PATH under
 * `npm run`), never the toolchain the repository chose. With no `node` left, Warden's runtime
 * (`wardenNode`, the running binary) stands in.
 */
export function resolveHostToolchain(searchPath: string, wardenNode: string): HostToolchain {
  for (const entry of searchPath.split(path.delimiter)) {
    if (!path.isAbsolute(entry) || entry.split(path.sep).includes('node_modules')) continue;
    const candidate = path.join(entry, 'node');
    if (!isExecutableFile(candidate)) continue;
    return placed('host', realpathSync(candidate));
  }
  return placed('warden', realpathSync(wardenNode));
}

/**
 * A one-line description of a toolchain for the run header and the journal:
 * `node v22.1.0 (host, /usr/bin/node)`, with `note` (why this one) appended.
 */
export async function describeToolchain(toolchain: HostToolchain, note?: string): Promise<string> {
  const version = (await nodeVersion(toolchain.nodePath)) ?? 'unknown version';
  const source = toolchain.source === 'host' ? 'host' : "Warden's own, the host has no node on PATH";
  return `node ${version} (${source}, ${toolchain.nodePath})${note ? `; ${note}` : ''}`;
}

/** What `node --version` says (`v22.1.0`); undefined when it cannot say. */
export async function nodeVersion(nodePath: string): Promise<string | undefined> {
  try {
    return (await run(nodePath, ['--version'], { timeout: 10_000 })).stdout.trim();
  } catch {
    // A node that cannot say its version is still the one the sandbox runs; the header says so.
    return undefined;
  }
}

/** The toolchain of the node binary at `nodePath` (links resolved). */
export function toolchainAt(source: HostToolchain['source'], nodePath: string): HostToolchain {
  return placed(source, realpathSync(nodePath));
}

function placed(source: HostToolchain['source'], nodePath: string): HostToolchain {
  if (isUnder('/usr', nodePath)) return { source, nodePath, mountDir: null, pathEntries: [] };
  const binDir = path.dirname(nodePath);
  // `<prefix>/bin/node` is a Node install: mount the prefix so `bin/npm` → `lib/node_modules/npm` works.
  const mountDir = path.basename(binDir) === 'bin' ? path.dirname(binDir) : binDir;
  const inside = mountDir === binDir ? SANDBOX_TOOLCHAIN_DIR : `${SANDBOX_TOOLCHAIN_DIR}/bin`;
  return { source, nodePath, mountDir, pathEntries: [inside] };
}

function isExecutableFile(file: string): boolean {
  try {
    if (!existsSync(file) || !statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isUnder(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
