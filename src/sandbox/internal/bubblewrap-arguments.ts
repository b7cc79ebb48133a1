import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { SystemError } from '../../spec/errors.ts';
import { SANDBOX_WORKDIR } from '../../spec/sandbox.ts';

/** Where the host's node binary directory appears inside the sandbox. */
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
  /** Host directory holding the node binary, made reachable read-only; `null` to leave node out. */
  nodeDir: string | null;
  /** Variables set on top of the allow-listed base environment. */
  env: Readonly<Record<string, string>>;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

async function kindOf(hostPath: string): Promise<'link' | 'other' | null> {
  const info = await lstat(hostPath).catch(() => null);
  if (!info) return null;
  return info.isSymbolicLink() ? 'link' : 'other';
}

/**
 * The bubblewrap command line (without the program) for one sandbox: every namespace unshared (no
 * network but an isolated loopback), read-only system, an empty root that is read-only too, a fresh
 * /tmp, the workspace as the only writable host directory with its `.git` read-only, all capabilities
 * dropped, and an environment built from an allow-list.
 *
 * @throws SystemError `sandbox-failed` when the workspace's `.git` is a symbolic link (it would be
 *   mounted wherever it points).
 */
export async function buildBubblewrapArguments(layout: SandboxLayout, command: string): Promise<string[]> {
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
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');

  let searchPath = SYSTEM_PATH;
  if (layout.nodeDir !== null && !isUnder('/usr', layout.nodeDir)) {
    args.push('--ro-bind', layout.nodeDir, SANDBOX_NODE_DIR);
    searchPath = `${SANDBOX_NODE_DIR}:${SYSTEM_PATH}`;
  }

  if (layout.workspaceDir !== null) {
    args.push('--bind', layout.workspaceDir, SANDBOX_WORKDIR);
    const gitDir = path.join(layout.workspaceDir, '.git');
    const gitKind = await kindOf(gitDir);
    if (gitKind === 'link') {
      throw new SystemError('sandbox-failed', 'the workspace .git is a symbolic link; refusing to mount it');
    }
    if (gitKind === 'other') args.push('--ro-bind', gitDir, `${SANDBOX_WORKDIR}/.git`);
    args.push('--chdir', SANDBOX_WORKDIR);
  } else {
    args.push('--chdir', '/tmp');
  }
  args.push('--remount-ro', '/', '--cap-drop', 'ALL', '--clearenv');

  const environment: Record<string, string> = {
    PATH: searchPath,
    HOME: '/tmp',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    CI: 'true',
    ...layout.env,
  };
  for (const [name, value] of Object.entries(environment)) {
    if (!ENV_NAME.test(name))
      throw new SystemError('sandbox-failed', `invalid environment variable name ${JSON.stringify(name)}`);
    args.push('--setenv', name, value);
  }
  args.push('/bin/sh', '-c', command);
  return args;
}

function isUnder(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
