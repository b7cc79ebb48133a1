// Localization on real bug fixes: recall@1, @5 and @10 of the files each fix changed, for Warden's
// localizer and for plain BM25 over the same files, in the same run, on the `tune` half (where the
// weights were chosen), the held-out `test` half, and all. The instances are in
// bench/localization/instances.jsonl; their checkouts are rebuilt by bench/localization/rebuild-checkouts.ts
// (see its header). Without them the bench says so and skips.
//
//   node bench/localization.ts [--cache DIR] [--tune] [--rerank-model SPEC]
//
// `--tune` searches the weights on the tune half and prints the best set with its held-out figures.
// `--rerank-model SPEC` (or WARDEN_BENCH_RERANK_MODEL; e.g. `anthropic:claude-haiku-4-5` with its key
// in the environment) adds a row: Warden's top 10 reordered by that model exactly as
// `agent.localize.rerank` does (same prompt, same reply rules; a refused reply keeps the order). Without
// it no model is called. A `scripted:` spec is simulated, so its row measures nothing but the wiring.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseRerankReply, RERANK_SYSTEM, rerankPrompt } from '../src/agent/internal/rerank-prompt.ts';
import {
  type LocalizedFile,
  type LocalizeSignals,
  type LocalizeWeights,
  localizeSignals,
  rankCandidates,
} from '../src/context/localize.ts';
import { createModelClient } from '../src/model/index.ts';
import {
  checkoutDir,
  defaultCacheDir,
  type LocalizationInstance,
  loadInstances,
} from './localization/rebuild-checkouts.ts';

/** Mean recall of the gold files at 1, 5 and 10, over some instances. */
export interface Recall {
  at1: number;
  at5: number;
  at10: number;
  instances: number;
}

export interface LocalizationBench {
  /** Why nothing was measured; absent when it ran. */
  skipped?: string;
  warden: { tune: Recall; test: Recall; all: Recall };
  bm25: { tune: Recall; test: Recall; all: Recall };
  /** Warden's top 10 reordered by a model (`--rerank-model`); absent when none was named. */
  reranked?: { model: string; tune: Recall; test: Recall; all: Recall; kept: number } | undefined;
  /** Instances where Warden's top 5 missed a gold file, with the gold file's rank (or `>10`). */
  misses: string[];
}

/** Plain BM25: the localizer with every signal but BM25 off (same files, same terms). */
const BM25_ONLY: LocalizeWeights = { bm25: 1, definition: 0, path: 0, map: 0, auxiliary: 1 };

type Ranked = { instance: LocalizationInstance; ranked: string[] };
type Measured = { instance: LocalizationInstance; signals: LocalizeSignals };

async function measureAll(
  instances: LocalizationInstance[],
  cacheRoot: string,
  indexCache: string,
): Promise<Measured[]> {
  const out: Measured[] = [];
  for (const instance of instances) {
    const signals = await localizeSignals({
      root: checkoutDir(cacheRoot, instance),
      task: instance.problem_statement,
      cacheDir: indexCache,
    });
    out.push({ instance, signals });
  }
  return out;
}

const rankAll = (measured: Measured[], weights: Partial<LocalizeWeights>): Ranked[] =>
  measured.map(({ instance, signals }) => ({
    instance,
    ranked: rankCandidates(signals, weights)
      .slice(0, 10)
      .map((file) => file.path),
  }));

/** Candidates the rerank model is shown, as `agent.localize.rerank` shows them by default. */
const RERANK_CANDIDATES = 10;

/**
 * Warden's ranking with its top 10 reordered by the model `spec`, one call per instance, with the
 * rerank's own prompt and reply rules; a failed call or a refused reply keeps the order (counted).
 */
async function rerankAll(measured: Measured[], spec: string): Promise<{ ranked: Ranked[]; kept: number }> {
  const model = await createModelClient({ spec, env: process.env, role: 'rerank' });
  let kept = 0;
  const ranked: Ranked[] = [];
  for (const { instance, signals } of measured) {
    const files: LocalizedFile[] = rankCandidates(signals).slice(0, RERANK_CANDIDATES);
    const paths = files.map((file) => file.path);
    const order = await model
      .generate({
        system: RERANK_SYSTEM,
        messages: [{ role: 'user', content: rerankPrompt(instance.problem_statement, files) }],
        tools: {},
        maxOutputTokens: 400,
      })
      .then((turn) => parseRerankReply(turn.text, paths))
      .catch((error: unknown) => ({ refused: String(error) }));
    if ('refused' in order) kept += 1;
    ranked.push({ instance, ranked: 'refused' in order ? paths : order.order });
  }
  return { ranked, kept };
}

function recall(ranked: Ranked[], split?: 'tune' | 'test'): Recall {
  const chosen = ranked.filter((item) => split === undefined || item.instance.split === split);
  const at = (k: number) =>
    chosen.reduce((sum, { instance, ranked: files }) => {
      const top = new Set(files.slice(0, k));
      return sum + instance.gold_files.filter((gold) => top.has(gold)).length / instance.gold_files.length;
    }, 0) / Math.max(1, chosen.length);
  return { at1: at(1), at5: at(5), at10: at(10), instances: chosen.length };
}

const summary = (ranked: Ranked[]) => ({
  tune: recall(ranked, 'tune'),
  test: recall(ranked, 'test'),
  all: recall(ranked),
});

/**
 * Runs both rankers on every instance whose checkout exists. Skips (with the reason) when none does.
 */
export async function benchLocalization(
  options: { cacheDir?: string; weights?: Partial<LocalizeWeights>; rerankModel?: string | undefined } = {},
): Promise<LocalizationBench> {
  const cacheRoot = options.cacheDir ?? defaultCacheDir();
  const all = await loadInstances();
  const present = all.filter((instance) => existsSync(checkoutDir(cacheRoot, instance)));
  const empty = { at1: 0, at5: 0, at10: 0, instances: 0 };
  const none = { tune: empty, test: empty, all: empty };
  if (present.length === 0) {
    return {
      skipped: `no checkout of the ${all.length} localization instances under ${cacheRoot}/checkouts: run node bench/localization/rebuild-checkouts.ts --mirrors <dir with the fetched repositories> (or --clone)`,
      warden: none,
      bm25: none,
      misses: [],
    };
  }
  const indexCache = await mkdtemp(path.join(tmpdir(), 'warden-localize-cache-'));
  try {
    const measured = await measureAll(present, cacheRoot, indexCache);
    const warden = rankAll(measured, options.weights ?? {});
    const bm25 = rankAll(measured, BM25_ONLY);
    const rerankModel = options.rerankModel;
    const reranked =
      rerankModel === undefined
        ? undefined
        : await rerankAll(measured, rerankModel).then(({ ranked, kept }) => ({
            model: rerankModel,
            ...summary(ranked),
            kept,
          }));
    const misses = warden.flatMap(({ instance, ranked }) =>
      instance.gold_files
        .filter((gold) => !ranked.slice(0, 5).includes(gold))
        .map((gold) => `${instance.id} ${gold} at ${ranked.indexOf(gold) + 1 || '>10'}`),
    );
    return {
      ...(present.length < all.length ? { skipped: `${all.length - present.length} checkouts missing` } : {}),
      warden: summary(warden),
      bm25: summary(bm25),
      reranked,
      misses,
    };
  } finally {
    await rm(indexCache, { recursive: true, force: true });
  }
}

const percent = (value: number) => value.toFixed(2);
const line = (recallOf: Recall) =>
  `@1 ${percent(recallOf.at1)} @5 ${percent(recallOf.at5)} @10 ${percent(recallOf.at10)}`;

/** The bench's printed line. */
export function describeLocalization(result: LocalizationBench): string {
  if (result.warden.all.instances === 0) return `(u) localization: skipped, ${result.skipped}`;
  const { warden, bm25 } = result;
  return [
    `(u) localization of ${warden.all.instances} real bug fixes (recall of the fixed files): Warden ${line(warden.all)} vs plain BM25 ${line(bm25.all)}; held-out half (${warden.test.instances}): Warden ${line(warden.test)} vs BM25 ${line(bm25.test)}; tuning half (${warden.tune.instances}): Warden ${line(warden.tune)} vs BM25 ${line(bm25.tune)}`,
    ...(result.reranked === undefined
      ? []
      : [
          `    reranked by ${result.reranked.model}: ${line(result.reranked.all)}; held-out ${line(result.reranked.test)}; tuning ${line(result.reranked.tune)}; order kept (call failed or reply refused) on ${result.reranked.kept}`,
        ]),
    ...(result.skipped === undefined ? [] : [`    (${result.skipped})`]),
  ].join('\n');
}

async function tune(cacheRoot: string): Promise<void> {
  const instances = (await loadInstances()).filter(
    (instance) => instance.split === 'tune' && existsSync(checkoutDir(cacheRoot, instance)),
  );
  const indexCache = await mkdtemp(path.join(tmpdir(), 'warden-localize-cache-'));
  let best: { weights: LocalizeWeights; score: number } | undefined;
  try {
    const measured = await measureAll(instances, cacheRoot, indexCache);
    for (const definition of [0, 0.2, 0.4, 0.6, 1, 1.5]) {
      for (const pathWeight of [0, 0.2, 0.4, 0.6, 1, 1.5]) {
        for (const map of [0, 0.1, 0.2, 0.5, 1]) {
          for (const auxiliary of [0.1, 0.2, 0.35, 0.5, 1]) {
            const weights = { bm25: 1, definition, path: pathWeight, map, auxiliary };
            const result = recall(rankAll(measured, weights));
            const score = result.at1 + result.at5 + 0.5 * result.at10;
            if (best === undefined || score > best.score) best = { weights, score };
          }
        }
      }
    }
  } finally {
    await rm(indexCache, { recursive: true, force: true });
  }
  console.log('best on the tune half:', JSON.stringify(best));
  if (best !== undefined)
    console.log(
      describeLocalization(await benchLocalization({ cacheDir: cacheRoot, weights: best.weights })),
    );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { cache: { type: 'string' }, tune: { type: 'boolean' }, 'rerank-model': { type: 'string' } },
  });
  const cacheRoot = values.cache ?? defaultCacheDir();
  if (values.tune) await tune(cacheRoot);
  else {
    const rerankModel = values['rerank-model'] ?? (process.env.WARDEN_BENCH_RERANK_MODEL || undefined);
    const result = await benchLocalization({ cacheDir: cacheRoot, rerankModel });
    console.log(describeLocalization(result));
    if (process.env.WARDEN_BENCH_VERBOSE !== undefined)
      for (const miss of result.misses) console.log(`  miss ${miss}`);
  }
}
