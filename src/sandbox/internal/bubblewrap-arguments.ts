import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { SystemError } from '../../spec/errors.ts';
import { type ResourceLimits, SANDBOX_WORKDIR } from '../../spec/sandbox.ts';
import { type HostToolchain, SANDBOX_TOOLCHAIN_DIR } from '../host-toolchain.ts';

/**
 * Where Warden's own node binary directory appears inside the sandbox: for Warden's egress relay, not on
 * PATH (commands run the host's toolchain).
 */
export const SANDBOX_NODE_DIR = '/opt/warden-node/bin';

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Top-level entries that are usually symbolic links into /usr (merged /usr) or small library dirs. */
const ROOT_ENTRIES = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * The parts of /etc programs need to run (dynamic linker, alternatives behind /usr/bin links, users and
 * groups, name service, certificates, time zone); everything else in /etc, like shadow files and host
 * configuration, stays out.
 */
const ETC_ENTRIES = [
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/passwd',
  '/etc/group',
  '/etc/nsswitch.conf',
  '/etc/hosts',
  '/etc/host.conf',
  '/etc/protocols',
  '/etc/services',
  '/etc/ssl',
  '/etc/pki',
  '/etc/ca-certificates',
  '/etc/ca-certificates.conf',
  '/etc/localtime',
  '/etc/timezone',
  '/etc/mime.types',
  '/etc/os-release',
  '/etc/debian_version',
];

export interface SandboxLayout {
  /** Mounted read-write at `/workspace`; `null` for a sandbox without one (the availability check). */
  workspaceDir: string | null;
  /** Host directory of Warden's node binary, for its egress relay (off PATH); `null` to leave it out. */
  nodeDir: string | null;
  /**
   * The toolchain commands run (its install mounted read-only, its PATH entries first); `null` for the
   * system's PATH alone.
   */
  toolchain?: HostToolchain | null;
  /** Host files mounted read-only at their own paths (CA bundles named by the host's environment). */
  readOnlyFiles?: readonly string[];
  /** Variables set on top of the allow-listed base environment. */
  env: Readonly<Record<string, string>>;
  /** Extra mount arguments over the workspace (the protected paths), applied after it is mounted. */
  workspaceMounts?: readonly string[];
  /** Per-process rlimits set before the command starts, and the size of /tmp; `null` for none. */
  limits?: ResourceLimits | null;
  /** Mounts added last, before the root is made read-only (the egress proxy's socket and relay). */
  extraMounts?: readonly string[];
}

/** Extra CPU seconds between SIGXCPU (the soft limit, which says what happened) and SIGKILL. */
const CPU_GRACE_SECONDS = 5;

/**
 * The shell line that sets hard rlimits, then runs the command in the same shell: CPU time, largest file,
 * data segment (memory per process) and processes (counted per user: it only binds when Warden does
 * not run as root, see the README). Capabilities are dropped, so the command cannot raise them.
 */
function limitScript(limits: ResourceLimits): string {
  const settings = [
    `-S -t ${limits.cpuSeconds}`,
    `-H -t ${limits.cpuSeconds + CPU_GRACE_SECONDS}`,
    `-f ${Math.max(1, Math.floor(limits.fileSizeBytes / 512))}`,
    `-d ${Math.max(1, Math.floor(limits.memoryBytes / 1024))}`,
    `-p ${limits.processes}`,
    '-c 0',
  ];
  // `eval` in the same shell rather than `exec /bin/sh -c`: a second exec costs as much as the rest of
  // the startup. `set --` first, so the command sees no positional parameters, as under `sh -c`.
  return `${settings.map((setting) => `ulimit ${setting}`).join(' && ')} || exit 125; eval "set --; $1"`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

async function kindOf(hostPath: string): Promise<'link' | 'other' | null> {
  const info = await lstat(hostPath).catch(() => null);
  if (!info) return null;
  return info.isSymbolicLink() ? 'link' : 'other';
}

/**
 * The bubblewrap command line (without the program) for one sandbox that runs `command` with /bin/sh: see
 * `buildSandboxArguments`; with limits, rlimits are set before the command.
 *
 * @throws SystemError `sandbox-failed` for an environment variable name that is not a plain identifier.
 */
export async function buildBubblewrapArguments(layout: SandboxLayout, command: string): Promise<string[]> {
  return [...(await buildSandboxArguments(layout)), ...shellArguments(layout.limits ?? null, command)];
}

/** The program and arguments that run `command` with /bin/sh, after setting `limits` when given. */
export function shellArguments(limits: ResourceLimits | null, command: string): string[] {
  if (limits) return ['/bin/sh', '-c', limitScript(limits), '/bin/sh', command];
  return ['/bin/sh', '-c', command];
}

/**
 * The environment a sandboxed command gets: an allow-listed base (PATH from the toolchain and the
 * system, HOME in /tmp, a UTF-8 locale, a dumb terminal, CI) under `layout.env`.
 *
 * @throws SystemError `sandbox-failed` for a variable name that is not a plain identifier.
 */
export function sandboxEnvironment(layout: SandboxLayout): Record<string, string> {
  const searchPath = [...(layout.toolchain?.pathEntries ?? []), SYSTEM_PATH].join(':');
  const environment: Record<string, string> = {
    PATH: searchPath,
    HOME: '/tmp',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    CI: 'true',
    ...layout.env,
  };
  for (const name of Object.keys(environment)) {
    if (!ENV_NAME.test(name))
      throw new SystemError('sandbox-failed', `invalid environment variable name ${JSON.stringify(name)}`);
  }
  return environment;
}

/**
 * Bubblewrap's arguments for one sandbox, up to the program: a new session, death with its parent,
 * every namespace unshared (no network but an isolated loopback; no nested user namespaces), read-only
 * system, an empty root that is read-only too, its own /proc, a minimal /dev (null, zero, full, random,
 * urandom, tty), a fresh size-capped /tmp, the workspace as the only writable host directory (protected
 * paths mounted read-only over it by the caller), all capabilities dropped, and the environment of
 * `sandboxEnvironment`. Nothing else of the host is mounted: no home directory, /root, /run (agent
 * sockets, docker.sock), /var, /sys or Warden's data dir.
 *
 * @throws SystemError `sandbox-failed` for an environment variable name that is not a plain identifier.
 */
export async function buildSandboxArguments(layout: SandboxLayout): Promise<string[]> {
  const environment = sandboxEnvironment(layout);
  const args = [
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'sandbox',
    '--ro-bind',
    '/usr',
    '/usr',
  ];
  for (const entry of ROOT_ENTRIES) {
    const kind = await kindOf(entry);
    if (kind === 'link') args.push('--symlink', await readlink(entry), entry);
    else if (kind === 'other') args.push('--ro-bind', entry, entry);
  }
  for (const entry of ETC_ENTRIES) args.push('--ro-bind-try', entry, entry);
  args.push('--proc', '/proc', '--dev', '/dev');
  if (layout.limits) args.push('--size', String(layout.limits.workspaceBytes));
  args.push('--tmpfs', '/tmp');

  if (layout.nodeDir !== null && !isUnder('/usr', layout.nodeDir)) {
    args.push('--ro-bind', layout.nodeDir, SANDBOX_NODE_DIR);
  }
  const toolchain = layout.toolchain ?? null;
  if (toolchain?.mountDir) args.push('--ro-bind', toolchain.mountDir, SANDBOX_TOOLCHAIN_DIR);
  for (const file of layout.readOnlyFiles ?? []) args.push('--ro-bind-try', file, file);

  if (layout.workspaceDir !== null) {
    args.push('--bind', layout.workspaceDir, SANDBOX_WORKDIR, ...(layout.workspaceMounts ?? []));
    args.push('--chdir', SANDBOX_WORKDIR);
  } else {
    args.push('--chdir', '/tmp');
  }
  args.push(...(layout.extraMounts ?? []), '--remount-ro', '/', '--cap-drop', 'ALL', '--clearenv');
  for (const [name, value] of Object.entries(environment)) args.push('--setenv', name, value);
  return args;
}

function isUnder(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
