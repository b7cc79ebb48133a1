import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleEvalReport } from '../../src/eval/internal/sample-eval-report.ts';
import { runWarden, scratch } from '../support/cli.ts';

/** Twelve instances over three repositories; the candidate loses `lost` of those the base resolved. */
function runs(lost: number, candidateCost = 0.1) {
  const ids = Array.from({ length: 12 }, (_, index) => `i-${String(index + 1).padStart(2, '0')}`);
  const repo = (index: number) => `example/repo-${index % 3}`;
  const base = sampleEvalReport(ids.map((id, index) => ({ id, repo: repo(index), costUsd: 0.1 })));
  const candidate = sampleEvalReport(
    ids.map((id, index) => ({
      id,
      repo: repo(index),
      status: index < lost ? 'unresolved' : 'resolved',
      costUsd: candidateCost,
    })),
  );
  return { base, candidate };
}

describe('warden eval compare and gate on the command line', () => {
  const work = scratch('eval-gate');
  afterAll(work.cleanup);
  const write = (name: string, report: unknown) => {
    const dir = path.join(work.dir, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'report.json'), JSON.stringify(report));
    return dir;
  };

  it('shows the flips, and passes three lost of twelve at alpha 0.1 (p = 0.25: not significant)', async () => {
    const { base, candidate } = runs(3);
    const [baseDir, candidateDir] = [write('base-3', base), write('candidate-3', candidate)];
    const compared = await runWarden(['eval', 'compare', baseDir, candidateDir, '--json']);
    expect(compared.code).toBe(0);
    const comparison = JSON.parse(compared.stdout) as { lost: string[]; gained: string[]; mcnemarP: number };
    expect(comparison.lost).toEqual(['i-01', 'i-02', 'i-03']);
    expect(comparison.gained).toEqual([]);
    expect(comparison.mcnemarP).toBeCloseTo(0.25, 10);

    const gate = await runWarden(['eval', 'gate', baseDir, candidateDir, '--alpha', '0.1']);
    expect(gate.code).toBe(0);
    expect(gate.stdout).toMatch(/^PASS: .*p = 0\.250.*not significant/s);
  });

  it('fails five lost of twelve at alpha 0.1 (p = 0.0625), and passes it at 0.05', async () => {
    const { base, candidate } = runs(5);
    const [baseDir, candidateDir] = [write('base-5', base), write('candidate-5', candidate)];
    const strict = await runWarden(['eval', 'gate', baseDir, candidateDir, '--alpha', '0.1']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/^FAIL: .*p = 0\.0625?/s);
    const loose = await runWarden(['eval', 'gate', baseDir, candidateDir, '--alpha', '0.05']);
    expect(loose.code).toBe(0);
  });

  it('fails a cost rise past --max-cost-increase at an equal resolve rate', async () => {
    const { base, candidate } = runs(0, 0.13);
    const [baseDir, candidateDir] = [write('base-cost', base), write('candidate-cost', candidate)];
    const over = await runWarden(['eval', 'gate', baseDir, candidateDir, '--max-cost-increase', '20']);
    expect(over.code).toBe(1);
    expect(over.stdout).toMatch(/\+30\.0%/);
    const under = await runWarden(['eval', 'gate', baseDir, candidateDir, '--max-cost-increase', '40']);
    expect(under.code).toBe(0);
  });

  it('refuses a report that is not one, naming the file', async () => {
    const dir = path.join(work.dir, 'garbage');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'report.json'), '{"total_instances": "many"}');
    const result = await runWarden(['eval', 'gate', dir, dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(path.join(dir, 'report.json'));
  });
});
