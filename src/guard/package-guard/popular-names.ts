import { readFileSync } from 'node:fs';
import { editDistance } from './internal/edit-distance.ts';
import type { PackageEcosystem } from './parse-installs.ts';

/** The most-downloaded names of each ecosystem: what a typosquat imitates and a suggestion offers. */
export interface PopularNames {
  /** Whether `name` is itself on the list (compared in the ecosystem's normal form). */
  has(ecosystem: PackageEcosystem, name: string): boolean;
  /**
   * The popular name nearest to `name` within `limit` edits (adjacent transpositions count one), the
   * most popular first among equals; undefined when none is that near.
   */
  nearest(ecosystem: PackageEcosystem, name: string, limit: number): string | undefined;
}

/** How near a name must be to a popular one to look like it: none for short names, which collide. */
export function typoLimit(name: string): number {
  const length = name.length;
  if (length <= 4) return 0;
  if (length <= 8) return 1;
  return 2;
}

/**
 * A name as its registry compares names: PyPI folds case and runs of `-`, `_`, `.` (PEP 503); npm
 * names are lower case already; Go module paths and crate names are compared as written (crates.io
 * treats `-` and `_` alike, so they are folded too).
 */
export function normalName(ecosystem: PackageEcosystem, name: string): string {
  if (ecosystem === 'pypi') return name.toLowerCase().replace(/[-_.]+/g, '-');
  if (ecosystem === 'crates') return name.toLowerCase().replace(/_/g, '-');
  if (ecosystem === 'npm') return name.toLowerCase();
  return name;
}

/** Names whose nearest popular name is remembered; the oldest is forgotten first. */
const MAX_REMEMBERED = 4096;

/**
 * The shipped lists (`popular/npm.txt`, `pypi.txt`, `crates.txt`, `go.txt`: one name a line, most
 * popular first, `#` comments), read on first use of each ecosystem.
 */
export function loadPopularNames(): PopularNames {
  const lists = new Map<PackageEcosystem, { names: string[]; normal: Set<string> }>();
  // Agents install the same few names again and again: each answer is worked out once.
  const found = new Map<string, string | undefined>();
  const listOf = (ecosystem: PackageEcosystem) => {
    let list = lists.get(ecosystem);
    if (list === undefined) {
      const text = readFileSync(new URL(`./popular/${ecosystem}.txt`, import.meta.url), 'utf8');
      const names = text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'));
      list = { names, normal: new Set(names.map((name) => normalName(ecosystem, name))) };
      lists.set(ecosystem, list);
    }
    return list;
  };
  return {
    has: (ecosystem, name) => listOf(ecosystem).normal.has(normalName(ecosystem, name)),
    nearest(ecosystem, name, limit) {
      const key = `${ecosystem}\0${limit}\0${name}`;
      if (found.has(key)) return found.get(key);
      const wanted = normalName(ecosystem, name);
      let best: { name: string; distance: number } | undefined;
      const [scope, bare] = splitScope(wanted);
      for (const candidate of listOf(ecosystem).names) {
        const normal = normalName(ecosystem, candidate);
        if (normal === wanted) continue;
        // Within one npm scope only the names after it are compared, each by its own length
        // (`@types/pg` is no typo of `@types/ws`); across scopes, the whole (`@typse/node`).
        const [candidateScope, candidateBare] = splitScope(normal);
        const same = scope !== '' && scope === candidateScope;
        const bound = same ? Math.min(limit, typoLimit(bare)) : limit;
        const distance = same
          ? editDistance(bare, candidateBare, best ? Math.min(bound, best.distance - 1) : bound)
          : editDistance(wanted, normal, best ? Math.min(bound, best.distance - 1) : bound);
        if (distance <= bound && (best === undefined || distance < best.distance))
          best = { name: candidate, distance };
      }
      if (found.size >= MAX_REMEMBERED) found.delete(found.keys().next().value as string);
      found.set(key, best?.name);
      return best?.name;
    },
  };
}

/** `@scope/name` as `['@scope', 'name']`; an unscoped name as `['', name]`. */
function splitScope(name: string): [string, string] {
  const slash = name.indexOf('/');
  return name.startsWith('@') && slash > 0 ? [name.slice(0, slash), name.slice(slash + 1)] : ['', name];
}
