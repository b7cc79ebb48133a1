import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../spec/errors.ts';
import type { FileTags } from './file-tags.ts';
import { normaliseTerm } from './internal/code-terms.ts';
import { focusTerms } from './internal/focus.ts';
import { rankTags, type TaggedFile } from './internal/rank-tags.ts';
import { createInsideReader } from './internal/read-inside.ts';
import { type TaskTerms, taskTerms } from './internal/task-terms.ts';
import { loadTermIndex, readSavedIndex, scoreBm25 } from './internal/term-index.ts';
import { createTagCache } from './tag-cache.ts';
import { walkWorkspace } from './workspace-walk.ts';

/** A definition of a localized file that matches the task, with its lines. */
export interface LocalizedSymbol {
  name: string;
  kind: string;
  /** 1-based first line. */
  line: number;
  /** 1-based last line. */
  endLine: number;
}

/** A file the task is probably about, best first. */
export interface LocalizedFile {
  path: string;
  /** The fused score, 0–1 before the prior; comparable within one answer only. */
  score: number;
  symbols: LocalizedSymbol[];
}

/** What a reranker is shown: the task and the top candidates with their symbols. */
export interface RerankInput {
  task: string;
  candidates: LocalizedFile[];
}

/**
 * Re-orders the top candidates (e.g. a call to a nano or small tier model). Returns paths best first;
 * a path not among the candidates is ignored and a candidate it leaves out keeps its place after the
 * ones it named. A reranker that throws leaves the order as it was.
 */
export type Reranker = (input: RerankInput) => Promise<string[]>;

/** How the signals are combined (each normalised to 0–1 over the candidates first). */
export interface LocalizeWeights {
  /** BM25 of the task's words over each file's path and content. */
  bm25: number;
  /** The file defines a name the task writes as code (`getRequestHost`, `no-var`). */
  definition: number;
  /** A segment of the file's path is a word of the task (`etag`, `daysToWeeks`), weighted by rarity. */
  path: number;
  /** PageRank of the repository map over the candidates, personalised by the task. */
  map: number;
  /** Multiplier for tests, fixtures, docs and examples: the code a bug report is about is rarely there. */
  auxiliary: number;
}

/** Tuned on the `tune` half of `bench/localization/instances.jsonl` (see `bench/localization.ts`). */
export const DEFAULT_LOCALIZE_WEIGHTS: Readonly<LocalizeWeights> = {
  bm25: 1,
  definition: 0.2,
  path: 0.4,
  map: 0.1,
  auxiliary: 0.1,
};

export interface LocalizeRequest {
  /** The repository (or workspace) root. */
  root: string;
  /** The task: a bug report, an issue, a user's request. */
  task: string;
  /** Files returned; default 10. */
  k?: number;
  /** Where the term index and tags are cached between calls; `undefined`: nothing is cached. */
  cacheDir?: string | undefined;
  /** Re-orders the top `rerankTop` candidates; `undefined`: no reranking. */
  rerank?: Reranker | undefined;
  /** Candidates shown to `rerank`; default 10. */
  rerankTop?: number;
  /** Symbols per file; default 5. */
  symbolsPerFile?: number;
  /** Overrides of `DEFAULT_LOCALIZE_WEIGHTS`, for tuning. */
  weights?: Partial<LocalizeWeights> | undefined;
  /** Most files considered; default 200,000. */
  maxFiles?: number;
  /** Larger files are not read; default 1 MB. */
  maxFileBytes?: number;
}

export interface Localization {
  files: LocalizedFile[];
  /** Files in the workspace that were considered. */
  considered: number;
  /** Whether the term index came from the cache. */
  cached: boolean;
  /** Whether `rerank` ran and changed nothing it was not allowed to. */
  reranked: boolean;
}

const CANDIDATES_BY_CONTENT = 60;
const CANDIDATES_BY_PATH = 20;
const AUXILIARY =
  /(^|\/)(tests?|__tests__|__mocks__|spec|specs|fixtures?|e2e|examples?|docs?|documentation|benchmarks?|bench|playground|scripts)\/|(^|\/|\.)(test|spec|bench)\.[cm]?[jt]sx?$|(^|\/)test_[^/]*\.py$|_test\.(go|py)$|\.(md|mdx|snap|json|ya?ml|lock|txt|html|css)$/i;

/**
 * The files (and in each, the definitions) a task is probably about, best first: BM25 over paths and
 * contents picks candidates, which are then scored by BM25, by defining a name the task writes as code,
 * by path segments the task names, and by the repository map's PageRank personalised by the task, with
 * tests and docs discounted. An optional `rerank` re-orders the top few.
 *
 * Reads only inside `root` (no symbolic link is followed) and treats every file as data: what a file
 * says can raise that file's own score by matching the task, never another file's.
 *
 * @throws UserError `path-not-found` when `root` cannot be read.
 */
export async function localize(request: LocalizeRequest): Promise<Localization> {
  const k = Math.max(1, request.k ?? 10);
  const signals = await localizeSignals(request);
  let files = rankCandidates(signals, request.weights, request.symbolsPerFile);
  let reranked = false;
  if (request.rerank !== undefined && files.length > 1) {
    const top = files.slice(0, Math.max(2, request.rerankTop ?? 10));
    const order = await request.rerank({ task: request.task, candidates: top }).catch(() => undefined);
    if (order !== undefined) {
      files = [...applyOrder(top, order), ...files.slice(top.length)];
      reranked = true;
    }
  }
  return { files: files.slice(0, k), considered: signals.considered, cached: signals.cached, reranked };
}

/** One candidate file and what each signal said of it (raw, before normalisation). */
export interface CandidateSignals {
  path: string;
  bm25: number;
  definition: number;
  pathMatch: number;
  map: number;
  auxiliary: boolean;
  definitions: Array<{ name: string; kind: string; line: number; endLine: number }>;
}

/** The candidates of a task and their signals, before they are weighed (`rankCandidates`). */
export interface LocalizeSignals {
  terms: TaskTerms;
  candidates: CandidateSignals[];
  considered: number;
  cached: boolean;
}

/**
 * The first half of `localize`: walks and indexes the workspace, picks candidates and measures every
 * signal. Separate so a benchmark can weigh the same signals many ways.
 */
export async function localizeSignals(request: LocalizeRequest): Promise<LocalizeSignals> {
  const maxFileBytes = request.maxFileBytes ?? 1024 * 1024;
  const root = await realpath(request.root).catch((error: unknown) => {
    throw new UserError('path-not-found', `cannot read the repository ${request.root}`, { cause: error });
  });
  // A saved index vouches for the files it saw: the walk only stats those still the same.
  const saved = await readSavedIndex(root, request.cacheDir);
  const walk = await walkWorkspace(root, {
    maxFiles: request.maxFiles ?? 200_000,
    maxFileBytes,
    known: saved?.known,
  });
  const paths = walk.files.map((file) => file.path);
  const terms = taskTerms(request.task);
  const index = await loadTermIndex(root, walk.files, {
    cacheDir: request.cacheDir,
    maxFileBytes,
    terms: new Set(terms.query),
    saved: saved?.saved,
  });
  const bm25 = scoreBm25(index, terms.query);
  const pathScores = scorePaths(paths, terms);
  const candidateList = [
    ...new Set([...topIndices(bm25, CANDIDATES_BY_CONTENT), ...topIndices(pathScores, CANDIDATES_BY_PATH)]),
  ];
  const tagsDir = request.cacheDir === undefined ? undefined : path.join(request.cacheDir, 'tags');
  const cache = createTagCache({ dir: tagsDir });
  const candidatePaths = candidateList.map((position) => paths[position] as string);
  const read = createInsideReader(root);
  const tags = await Promise.all(
    candidatePaths.map(async (file) => {
      const content = read(file, maxFileBytes);
      return content === undefined ? undefined : (await cache.tags(file, content)).tags;
    }),
  );
  const definitions = tags.map((found) => found?.definitions ?? []);
  const mapRanks = mapRanksOf(candidatePaths, tags, request.task);
  return {
    terms,
    considered: paths.length,
    cached: index.cached,
    candidates: candidateList.map((position, at) => ({
      path: candidatePaths[at] as string,
      bm25: bm25[position] as number,
      definition: scoreDefinitions(definitions[at] ?? [], terms),
      pathMatch: pathScores[position] as number,
      map: mapRanks[at] as number,
      auxiliary: AUXILIARY.test(candidatePaths[at] as string),
      definitions: (definitions[at] ?? []).map(({ name, kind, line, endLine }) => ({
        name,
        kind,
        line,
        endLine,
      })),
    })),
  };
}

/** The second half of `localize`: weighs the signals into one score per candidate, best first. */
export function rankCandidates(
  signals: LocalizeSignals,
  weightOverrides?: Partial<LocalizeWeights>,
  symbolsPerFile = 5,
): LocalizedFile[] {
  const weights = { ...DEFAULT_LOCALIZE_WEIGHTS, ...weightOverrides };
  const { candidates, terms } = signals;
  const maxOf = (values: number[]) => Math.max(1e-9, ...values);
  const bm25Max = maxOf(candidates.map((candidate) => candidate.bm25));
  const pathMax = maxOf(candidates.map((candidate) => candidate.pathMatch));
  const definitionMax = maxOf(candidates.map((candidate) => candidate.definition));
  const mapMax = maxOf(candidates.map((candidate) => candidate.map));
  const files = candidates.map((candidate) => {
    const fused =
      (weights.bm25 * candidate.bm25) / bm25Max +
      (weights.definition * candidate.definition) / definitionMax +
      (weights.path * candidate.pathMatch) / pathMax +
      (weights.map * candidate.map) / mapMax;
    return {
      path: candidate.path,
      score: round(fused * (candidate.auxiliary ? weights.auxiliary : 1)),
      symbols: bestSymbols(candidate.definitions, terms, symbolsPerFile),
    };
  });
  return files.sort((left, right) => right.score - left.score || (left.path < right.path ? -1 : 1));
}

/** For each path, the summed rarity (log N/df over all paths) of its segments that are words of the task. */
function scorePaths(paths: readonly string[], terms: TaskTerms): Float64Array {
  // Only segments that are words of the task count, so only theirs are counted; directory names
  // repeat, so each distinct segment is normalised once ('' when it is no word of the task).
  const wordOf = new Map<string, string>();
  const matchOf = (segment: string) => {
    let word = wordOf.get(segment);
    if (word === undefined) {
      const normal = normaliseTerm(segment);
      word = terms.words.has(normal) ? normal : '';
      wordOf.set(segment, word);
    }
    return word;
  };
  const perFile: Array<string[] | undefined> = [];
  const frequency = new Map<string, number>();
  for (const file of paths) {
    const parts = file.split('/');
    parts.push((parts.pop() ?? '').replace(/(\.[A-Za-z0-9]+)+$/, ''));
    let matched: string[] | undefined;
    for (const part of parts) {
      if (part === '') continue;
      const word = matchOf(part);
      if (word === '' || matched?.includes(word)) continue;
      matched ??= [];
      matched.push(word);
      frequency.set(word, (frequency.get(word) ?? 0) + 1);
    }
    perFile.push(matched);
  }
  const scores = new Float64Array(paths.length);
  perFile.forEach((matched, position) => {
    let score = 0;
    for (const word of matched ?? []) score += Math.log(1 + paths.length / (frequency.get(word) as number));
    scores[position] = score;
  });
  return scores;
}

/** How strongly a file's definitions name what the task writes as code. */
function scoreDefinitions(definitions: ReadonlyArray<{ name: string }>, terms: TaskTerms): number {
  const names = new Set(definitions.map((definition) => definition.name));
  let score = 0;
  for (const identifier of terms.identifiers) if (names.has(identifier)) score += 1;
  return score;
}

function bestSymbols(
  definitions: ReadonlyArray<{ name: string; kind: string; line: number; endLine: number }>,
  terms: TaskTerms,
  count: number,
): LocalizedSymbol[] {
  const scored = definitions.map((definition) => {
    let score = terms.identifiers.has(definition.name) ? 10 : 0;
    if (terms.words.has(normaliseTerm(definition.name))) score += 3;
    for (const part of definition.name.split(/(?<=[a-z0-9])(?=[A-Z])|_/)) {
      if (part.length > 2 && terms.words.has(normaliseTerm(part))) score += 1;
    }
    return { definition, score };
  });
  return scored
    .filter((item) => item.score > 0)
    .sort((left, right) => right.score - left.score || left.definition.line - right.definition.line)
    .slice(0, count)
    .map(({ definition }) => ({
      name: definition.name,
      kind: definition.kind,
      line: definition.line,
      endLine: definition.endLine,
    }));
}

/**
 * The repository map's PageRank of each candidate (`buildRepoMap` over the candidates, from the tags
 * already read), personalised by the task; 0 for a file with no tags.
 */
function mapRanksOf(
  files: readonly string[],
  tags: ReadonlyArray<FileTags | undefined>,
  task: string,
): number[] {
  const tagged: TaggedFile[] = [];
  files.forEach((file, at) => {
    const found = tags[at];
    if (found === undefined || found.via === 'skipped') return;
    const references = new Map<string, number>();
    for (const reference of found.references) {
      references.set(reference.name, (references.get(reference.name) ?? 0) + 1);
    }
    tagged.push({ path: file, definitions: found.definitions, references });
  });
  if (tagged.length === 0) return files.map(() => 0);
  const ranking = rankTags(
    tagged,
    focusTerms(
      tagged.map((file) => file.path),
      { text: task },
    ),
  );
  const ranks = new Map(tagged.map((file, at) => [file.path, ranking.fileRanks[at] as number]));
  return files.map((file) => ranks.get(file) ?? 0);
}

function topIndices(scores: Float64Array, count: number): number[] {
  const positions: number[] = [];
  scores.forEach((score, position) => {
    if (score > 0) positions.push(position);
  });
  positions.sort((left, right) => (scores[right] as number) - (scores[left] as number) || left - right);
  return positions.slice(0, count);
}

function applyOrder(top: LocalizedFile[], order: readonly string[]): LocalizedFile[] {
  const byPath = new Map(top.map((file) => [file.path, file]));
  const ordered: LocalizedFile[] = [];
  for (const file of order) {
    const found = byPath.get(file);
    if (found === undefined) continue;
    ordered.push(found);
    byPath.delete(file);
  }
  return [...ordered, ...top.filter((file) => byPath.has(file.path))];
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;
