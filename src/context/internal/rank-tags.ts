import type { TagDefinition } from '../file-tags.ts';
import type { FocusTerms } from './focus.ts';
import { pageRank, type WeightedEdge } from './page-rank.ts';

/** One file as the ranking sees it: its definitions and how often it uses each name. */
export interface TaggedFile {
  path: string;
  definitions: TagDefinition[];
  references: Map<string, number>;
}

/** A definition with the rank it earned: the share of its file's importance that flows through it. */
export interface RankedDefinition extends TagDefinition {
  path: string;
  rank: number;
}

/** Ranks of files (by index, summing to 1) and every definition, most important first. */
export interface TagRanking {
  fileRanks: Float64Array;
  definitions: RankedDefinition[];
}

/**
 * Aider's repository-map ranking. Each file that uses a name links to every file that defines it; the
 * link's weight is √(uses) times a multiplier: ×10 for a name the task mentions, ×10 for a long
 * camelCase or snake_case name (distinctive), ×0.1 for a `_private` one, ×0.1 for a name defined in
 * more than five files (`get`, `run`), ×50 from a file the task is about. PageRank over the files,
 * personalised by the files the task names or already touched, the files defining a distinctive name it
 * mentions and the files named like one, gives each file its rank; a file's rank then flows out along
 * its links, so a definition ranks by how much of it reaches the definition, plus a share of its own
 * file's rank.
 *
 * A file's links are normalised by their total: whatever a file says, it can only pass on its own rank.
 */
export function rankTags(files: readonly TaggedFile[], focus: FocusTerms): TagRanking {
  // Every defined name gets a number, so a (file, name) pair is one number, not a string.
  const ids = new Map<string, number>();
  for (const file of files) {
    for (const definition of file.definitions) {
      if (!ids.has(definition.name)) ids.set(definition.name, ids.size);
    }
  }
  const key = (file: number, name: number) => file * ids.size + name;
  // Only what other files can name gets links from them; a local definition ranks within its file.
  const definers = new Map<string, number[]>();
  files.forEach((file, index) => {
    const visible = file.definitions.filter((definition) => definition.local !== true);
    for (const name of new Set(visible.map((definition) => definition.name))) {
      const list = definers.get(name);
      if (list === undefined) definers.set(name, [index]);
      else list.push(index);
    }
  });
  const edges: WeightedEdge[] = [];
  const edgeNames: number[] = [];
  const usedElsewhere = new Set<number>();
  files.forEach((file, index) => {
    const fromFocus = focus.files.has(file.path) ? 50 : 1;
    for (const [name, uses] of file.references) {
      const targets = definers.get(name);
      if (targets === undefined) continue;
      const id = ids.get(name) as number;
      const weight = fromFocus * multiplier(name, targets.length, focus) * Math.sqrt(uses);
      for (const target of targets) {
        if (target === index) continue;
        edges.push({ from: index, to: target, weight });
        edgeNames.push(id);
        usedElsewhere.add(key(target, id));
      }
    }
  });
  // A name no other file uses (or can) still deserves a place in its own file's share (as in Aider).
  files.forEach((file, index) => {
    for (const name of new Set(file.definitions.map((definition) => definition.name))) {
      const id = ids.get(name) as number;
      if (usedElsewhere.has(key(index, id))) continue;
      const count = definers.get(name)?.length ?? 1;
      edges.push({ from: index, to: index, weight: 0.1 * multiplier(name, count, focus) });
      edgeNames.push(id);
    }
  });

  const fileRanks = pageRank(files.length, edges, personalisation(files, definers, focus));
  const outWeight = new Float64Array(files.length);
  for (const edge of edges) outWeight[edge.from] = (outWeight[edge.from] as number) + edge.weight;
  const earned = new Map<number, number>();
  edges.forEach((edge, index) => {
    const to = key(edge.to, edgeNames[index] as number);
    const share = ((fileRanks[edge.from] as number) * edge.weight) / (outWeight[edge.from] as number);
    earned.set(to, (earned.get(to) ?? 0) + share);
  });
  // A file's own rank is its definitions' too, split by how distinctive each name is: a file ranked
  // high because the task is about it (nothing may point at it) still puts its definitions first.
  files.forEach((file, index) => {
    const names = [...new Set(file.definitions.map((definition) => definition.name))];
    const weights = names.map((name) => multiplier(name, definers.get(name)?.length ?? 1, focus));
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    names.forEach((name, position) => {
      const to = key(index, ids.get(name) as number);
      const share = ((fileRanks[index] as number) * (weights[position] as number)) / total;
      earned.set(to, (earned.get(to) ?? 0) + share);
    });
  });
  const definitions: RankedDefinition[] = [];
  files.forEach((file, index) => {
    for (const definition of file.definitions) {
      const rank = earned.get(key(index, ids.get(definition.name) as number)) as number;
      definitions.push({ ...definition, path: file.path, rank });
    }
  });
  definitions.sort(
    (left, right) =>
      right.rank - left.rank ||
      (left.path < right.path ? -1 : left.path > right.path ? 1 : 0) ||
      left.line - right.line,
  );
  return { fileRanks, definitions };
}

function multiplier(name: string, definerCount: number, focus: FocusTerms): number {
  let result = 1;
  if (focus.identifiers.has(name)) result *= 10;
  const distinctive = /[a-z][A-Z]/.test(name) || /[A-Za-z0-9]_[A-Za-z0-9]/.test(name);
  if (distinctive && name.length >= 8) result *= 10;
  if (name.startsWith('_')) result *= 0.1;
  if (definerCount > 5) result *= 0.1;
  return result;
}

/** Where the walker restarts: 90% on what the task points at, 10% spread evenly (every file is reachable). */
function personalisation(
  files: readonly TaggedFile[],
  definers: ReadonlyMap<string, number[]>,
  focus: FocusTerms,
): number[] {
  const weights = new Array<number>(files.length).fill(0);
  const stems = new Set([...focus.identifiers].map(squash));
  files.forEach((file, index) => {
    if (focus.files.has(file.path)) weights[index] = (weights[index] as number) + 1;
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const stem = squash(name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : name);
    if (stem.length >= 4 && stems.has(stem)) weights[index] = (weights[index] as number) + 1;
  });
  for (const name of focus.identifiers) {
    const targets = definers.get(name);
    if (targets === undefined || targets.length > 5 || name.length < 4) continue;
    for (const target of targets) weights[target] = (weights[target] as number) + 1;
  }
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (total === 0) return weights.fill(1);
  return weights.map((weight) => (0.9 * weight) / total + 0.1 / files.length);
}

/** `repo-map`, `RepoMap`, `repo_map` all become `repomap`. */
function squash(word: string): string {
  return word.toLowerCase().replace(/[^a-z0-9]/g, '');
}
