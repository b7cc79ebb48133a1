import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Environment } from '../spec/env.ts';

/** Largest version file read from a repository: they hold one line. */
const MOST_BYTES = 64 * 1024;

/** A Node version a repository asks for, and the file that asks. */
export interface RequestedNode {
  /** `v20.11.0`, `20`, `>=22.6`, `^20.1`, `20.x`: what the file says, trimmed. */
  request: string;
  /** `.nvmrc`, `.node-version`, `.tool-versions` or `package.json engines.node`. */
  file: string;
}

/** A Node install of a version manager on the host (nvm, n, asdf, fnm). */
export interface NodeInstall {
  /** `v20.11.0`. */
  version: string;
  nodePath: string;
}

const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/;

/**
 * The Node version the repository at `workspaceDir` asks for, from the first of `.nvmrc`,
 * `.node-version`, `.tool-versions` (`nodejs X`) and `package.json` `engines.node`; undefined when none
 * does. Files are read as data (regular files only, never through a link, size-capped): the repository
 * is untrusted. Names (`lts/iron`, `node`) are not versions and are ignored.
 */
export function requestedNode(workspaceDir: string): RequestedNode | undefined {
  const read = (name: string): string | undefined => {
    const file = path.join(workspaceDir, name);
    try {
      const info = lstatSync(file);
      if (!info.isFile() || info.size > MOST_BYTES) return undefined;
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  };
  for (const name of ['.nvmrc', '.node-version']) {
    const request = read(name)?.trim();
    if (request && VERSION.test(request)) return { request, file: name };
  }
  const toolVersions = read('.tool-versions')
    ?.split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find(([tool]) => tool === 'nodejs' || tool === 'node');
  if (toolVersions?.[1] && VERSION.test(toolVersions[1])) {
    return { request: toolVersions[1], file: '.tool-versions' };
  }
  const manifest = read('package.json');
  if (manifest) {
    try {
      const engines = z
        .object({ engines: z.object({ node: z.string().max(100) }) })
        .safeParse(JSON.parse(manifest));
      if (engines.success)
        return { request: engines.data.engines.node.trim(), file: 'package.json engines.node' };
    } catch {
      // Not JSON: the repository's own problem, not a version request.
    }
  }
  return undefined;
}

/**
 * Whether `version` (`v20.11.0`) satisfies `request`: an exact or partial version (`20`, `20.11`,
 * `v20.11.0`), `X.x`, `^X.Y.Z`, `~X.Y.Z`, `>=`, `>`, `<=`, `<`, or several of those joined by spaces (all must
 * hold) or `||` (one must); `*` takes any. Anything else is not understood and satisfied by nothing.
 */
export function satisfiesNode(version: string, request: string): boolean {
  const have = parts(version);
  if (!have) return false;
  // `>= 18` is `>=18`; `*`, `x` and an empty range take any version.
  const normalized = request.replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1').trim();
  if (normalized === '' || normalized === '*' || normalized.toLowerCase() === 'x') return true;
  return normalized.split('||').some((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .every((clause) => satisfiesClause(have, clause)),
  );
}

/**
 * The Node installs the host's version managers keep: nvm (`$NVM_DIR`, else `~/.nvm`), n (`$N_PREFIX`,
 * else /usr/local), asdf and fnm. Only directories named after a version whose `bin/node` exists.
 */
export function findNodeInstalls(hostEnv: Environment): NodeInstall[] {
  const home = hostEnv.HOME;
  const roots = [
    path.join(hostEnv.NVM_DIR ?? (home ? path.join(home, '.nvm') : '/nonexistent'), 'versions', 'node'),
    path.join(hostEnv.N_PREFIX ?? '/usr/local', 'n', 'versions', 'node'),
    ...(home
      ? [
          path.join(home, '.asdf', 'installs', 'nodejs'),
          path.join(home, '.local', 'share', 'fnm', 'node-versions'),
        ]
      : []),
  ];
  const installs: NodeInstall[] = [];
  for (const root of roots) {
    let entries: string[];
    try {
      entries = readdirSync(root);
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (!VERSION.test(entry)) continue;
      for (const nodePath of [
        path.join(root, entry, 'bin', 'node'),
        path.join(root, entry, 'installation', 'bin', 'node'),
      ]) {
        try {
          if (lstatSync(nodePath).isFile() || lstatSync(nodePath).isSymbolicLink()) {
            installs.push({ version: entry.startsWith('v') ? entry : `v${entry}`, nodePath });
            break;
          }
        } catch {
          // Not this layout.
        }
      }
    }
  }
  return installs.sort((left, right) => compare(parts(right.version)!, parts(left.version)!));
}

type Version = [number, number, number];

function parts(text: string): Version | undefined {
  const match = VERSION.exec(text.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

function compare(left: Version, right: Version): number {
  for (let index = 0; index < 3; index += 1) {
    if (left[index] !== right[index]) return left[index]! - right[index]!;
  }
  return 0;
}

function satisfiesClause(have: Version, clause: string): boolean {
  const operator = /^(>=|<=|>|<|\^|~|=)?\s*(.*)$/.exec(clause)!;
  const text = operator[2]!.replace(/\.(x|\*)$/i, '').replace(/\.(x|\*)$/i, '');
  const match = VERSION.exec(text);
  if (!match) return false;
  const given = [match[1], match[2], match[3]].filter((part) => part !== undefined).length;
  const want = parts(text)!;
  switch (operator[1]) {
    case '>=':
      return compare(have, want) >= 0;
    case '>':
      return compare(have, want) > 0;
    case '<=':
      return compare(have, want) <= 0;
    case '<':
      return compare(have, want) < 0;
    case '^':
      return have[0] === want[0] && compare(have, want) >= 0;
    case '~':
      return have[0] === want[0] && have[1] === want[1] && compare(have, want) >= 0;
    default:
      // A partial version names every release under it: `20` is any 20.x.y.
      return want.slice(0, given).every((part, index) => have[index] === part);
  }
}
