// Text search on this repository: ripgrep against the JavaScript fallback, the same searches, as a ratio.
import path from 'node:path';
import { searchText } from '../src/context/index.ts';

export interface ContextSearchBench {
  /** Median milliseconds per search; undefined when rg is not on the PATH. */
  ripgrepMs: number | undefined;
  javascriptMs: number;
  /** javascriptMs / ripgrepMs; undefined without ripgrep. */
  ratio: number | undefined;
  matches: number;
}

const SEARCHES = [
  { pattern: 'export function' },
  { pattern: 'Warden(Error|Config)\\b', regex: true },
  { pattern: 'TODO', globs: ['*.ts'] },
] as const;

async function median(run: () => Promise<unknown>, rounds: number): Promise<number> {
  const times: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((left, right) => left - right);
  return times[Math.floor(times.length / 2)] as number;
}

export async function benchContextSearch(
  root = path.resolve(import.meta.dirname, '..'),
): Promise<ContextSearchBench> {
  const all = (engine: 'ripgrep' | 'javascript') => async () => {
    let matches = 0;
    for (const search of SEARCHES)
      matches += (await searchText(root, { ...search, engine, timeoutMs: 120_000 })).total;
    return matches;
  };
  const matches = await all('javascript')();
  const javascriptMs = await median(all('javascript'), 5);
  // Throws `unsupported` when rg is not on the PATH: then there is nothing to compare with.
  const hasRipgrep = await all('ripgrep')().then(
    () => true,
    () => false,
  );
  const ripgrepMs = hasRipgrep ? await median(all('ripgrep'), 5) : undefined;
  return {
    ripgrepMs,
    javascriptMs,
    ratio: ripgrepMs === undefined ? undefined : javascriptMs / ripgrepMs,
    matches,
  };
}

export function describeContextSearch(bench: ContextSearchBench): string {
  const rg =
    bench.ripgrepMs === undefined ? 'ripgrep not on the PATH' : `ripgrep ${bench.ripgrepMs.toFixed(0)} ms`;
  const ratio = bench.ratio === undefined ? '' : `: JavaScript / ripgrep ${bench.ratio.toFixed(2)}`;
  return `(x) text search on this repository (${SEARCHES.length} searches, ${bench.matches} matches): ${rg} vs JavaScript ${bench.javascriptMs.toFixed(0)} ms${ratio}`;
}

if (import.meta.main) console.log(describeContextSearch(await benchContextSearch()));
