/** Median and p99 of a sample, in the sample's unit. */
export function summarize(samples: number[]): { median: number; p99: number } {
  const sorted = [...samples].sort((left, right) => left - right);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
  return { median: at(0.5), p99: at(0.99) };
}

/** Runs `work` `count` times and returns each duration in microseconds. */
export async function timeEach(count: number, work: (index: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = process.hrtime.bigint();
    await work(index);
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return samples;
}
