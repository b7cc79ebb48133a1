import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExampleRepositories } from '../examples/eval/build-repos.ts';
import { parseSuite } from '../src/eval/index.ts';
import { runEvalSuite } from '../src/warden/eval-operations.ts';
import { createWarden } from '../src/warden/index.ts';

const EXAMPLE = fileURLToPath(new URL('../examples/eval/', import.meta.url));
const INSTANCE = 'escape-html-1';
const CONCURRENCIES = [1, 2, 4] as const;
const EPOCHS = 2;

const median = (samples: readonly number[]) =>
  [...samples].sort((left, right) => left - right)[Math.floor(samples.length / 2)]!;

/**
 * (t) The eval harness (issue 18), in this process on the example suite. Overhead per instance: the
 * scripted agent alone on escape-html-1 (`runTask` at the base commit, nothing delivered) against
 * `warden eval run` running the same agent on the same instance (a clone of its own, the agent, its
 * diff and journal read back, then the evaluation: checkout, patch apply, the tests in the sandbox);
 * medians of `rounds` interleaved pairs after a warm-up of each. Throughput: the gold patches of the
 * 4 instances × 2 epochs (8 trials) at concurrency 1, 2 and 4, trials per second of one run each.
 */
export async function benchEvalHarness(rounds = 5) {
  const work = mkdtempSync(path.join(tmpdir(), 'warden-bench-eval-'));
  const warden = await createWarden({ dataDir: path.join(work, 'home'), env: { ...process.env } });
  try {
    // The suite names its repositories relative to itself: build them beside a copy of it.
    buildExampleRepositories(path.join(work, 'repos'));
    const suite = path.join(work, 'suite.jsonl');
    copyFileSync(path.join(EXAMPLE, 'suite.jsonl'), suite);
    const instance = parseSuite(readFileSync(suite, 'utf8'), suite).find(
      (candidate) => candidate.instanceId === INSTANCE,
    );
    if (instance === undefined) throw new Error(`${INSTANCE} is not in ${suite}`);
    const model = `scripted:${path.join(EXAMPLE, 'escape-html.scripted.yaml')}`;
    let runs = 0;
    const outDir = () => {
      runs += 1;
      return path.join(work, 'out', String(runs));
    };
    const timed = async (job: () => Promise<void>) => {
      const started = performance.now();
      await job();
      return performance.now() - started;
    };

    const agentAlone = () =>
      timed(async () => {
        const result = await warden.runTask({
          repo: path.join(work, 'repos', 'escape-html'),
          task: instance.problemStatement,
          startAt: instance.baseCommit,
          model,
          deliver: false,
          createBranch: true,
          requestedBy: 'bench',
        });
        if (result.task.status !== 'succeeded') throw new Error(`the agent alone: ${result.task.status}`);
      });
    const harness = () =>
      timed(async () => {
        const report = await runEvalSuite(warden, { suite, model, instances: [INSTANCE], outDir: outDir() });
        if (!report.resolved_ids.includes(INSTANCE))
          throw new Error(`the harness left ${INSTANCE} unresolved`);
      });
    await agentAlone();
    await harness();
    const aloneMs: number[] = [];
    const harnessMs: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      aloneMs.push(await agentAlone());
      harnessMs.push(await harness());
    }

    const throughput: Array<{
      concurrency: number;
      trials: number;
      wallMs: number;
      trialsPerSecond: number;
    }> = [];
    for (const concurrency of CONCURRENCIES) {
      let trials = 0;
      const wallMs = await timed(async () => {
        const report = await runEvalSuite(warden, {
          suite,
          predictions: 'gold',
          epochs: EPOCHS,
          concurrency,
          outDir: outDir(),
        });
        trials = report.warden.totals.trials;
        if (report.resolved_ids.length !== 4)
          throw new Error(`gold resolved ${report.resolved_ids.length} of 4`);
      });
      throughput.push({ concurrency, trials, wallMs, trialsPerSecond: trials / (wallMs / 1000) });
    }
    const [one, two, four] = throughput;
    const alone = median(aloneMs);
    const harnessed = median(harnessMs);
    return {
      rounds,
      aloneMs: alone,
      harnessMs: harnessed,
      overheadMs: harnessed - alone,
      ratio: harnessed / alone,
      throughput,
      c2Ratio: two!.trialsPerSecond / one!.trialsPerSecond,
      c4Ratio: four!.trialsPerSecond / one!.trialsPerSecond,
    };
  } finally {
    await warden.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The line `npm run bench` prints for `benchEvalHarness`. */
export function describeEvalHarness(result: Awaited<ReturnType<typeof benchEvalHarness>>): string {
  const format = (value: number, digits = 1) => value.toFixed(digits);
  const rates = result.throughput
    .map((level) => `c${level.concurrency} ${format(level.trialsPerSecond, 2)}`)
    .join(', ');
  const trials = result.throughput[0]?.trials ?? 0;
  return `(t) eval harness on ${INSTANCE} (scripted agent, median of ${result.rounds}): \`warden eval run\` ${format(result.harnessMs, 0)} ms vs the agent alone ${format(result.aloneMs, 0)} ms: ratio ${format(result.ratio, 2)}, overhead ${format(result.overheadMs, 0)} ms per instance (own clone, diff, checkout, patch apply, tests in the sandbox); gold patches, ${trials} trials (4 instances × ${EPOCHS} epochs), trials/s ${rates}: ratios c2/c1 ${format(result.c2Ratio, 2)}, c4/c1 ${format(result.c4Ratio, 2)} (${availableParallelism()} cores)`;
}

if (import.meta.main) {
  console.log(describeEvalHarness(await benchEvalHarness()));
}
