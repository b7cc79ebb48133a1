import { describe, expect, it } from 'vitest';
import { UserError } from '../spec/index.ts';
import { compareRuns, parseEvalReport } from './compare-runs.ts';
import { type SampleInstance, sampleEvalReport } from './internal/sample-eval-report.ts';

/** Twelve instances over three repositories, all resolved, each costing $1 and 1,000 tokens. */
function twelve(
  change: (instance: SampleInstance, index: number) => SampleInstance = (instance) => instance,
) {
  return Array.from({ length: 12 }, (_, index) =>
    change(
      { id: `instance-${index + 1}`, repo: `owner/repo-${index % 3}`, costUsd: 1, tokens: 1_000 },
      index,
    ),
  );
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('compareRuns', () => {
  it('pairs twelve instances, names the three the candidate lost, and tests them with McNemar', () => {
    const base = sampleEvalReport(twelve(), { agent: 'default', model: 'anthropic:claude-opus-4-7' });
    const candidate = sampleEvalReport(
      twelve((instance, index) => (index < 3 ? { ...instance, status: 'unresolved' } : instance)),
    );
    const comparison = compareRuns(base, candidate);
    expect(comparison.paired).toBe(12);
    expect(comparison.onlyInBase).toEqual([]);
    expect(comparison.onlyInCandidate).toEqual([]);
    expect(comparison.lost).toEqual(['instance-1', 'instance-2', 'instance-3']);
    expect(comparison.gained).toEqual([]);
    expect(comparison.base.resolved).toBe(12);
    expect(comparison.candidate.resolved).toBe(9);
    expect(comparison.mcnemarP).toBeCloseTo(0.25, 12);
    expect(comparison.mcnemarDropP).toBeCloseTo(0.125, 12);
    expect(comparison.discordantRate).toBe(0.25);
    expect(comparison.resolveRateDifference.estimate).toBeCloseTo(-0.25, 12);
    expect(comparison.resolveRateDifference.low).toBeLessThanOrEqual(-0.25);
    expect(comparison.resolveRateDifference.high).toBeGreaterThanOrEqual(-0.25);
    expect(comparison.resolveRateDifference.high).toBeLessThan(0);
    expect(comparison.base).toMatchObject({
      agent: 'default',
      model: 'anthropic:claude-opus-4-7',
      instances: 12,
    });
  });

  it('says how many instances were only in one run and compares the rest', () => {
    const base = sampleEvalReport([{ id: 'a' }, { id: 'b' }, { id: 'c', status: 'unresolved' }]);
    const candidate = sampleEvalReport([{ id: 'b' }, { id: 'c' }, { id: 'd' }, { id: 'e' }]);
    const comparison = compareRuns(base, candidate);
    expect(comparison.paired).toBe(2);
    expect(comparison.onlyInBase).toEqual(['a']);
    expect(comparison.onlyInCandidate).toEqual(['d', 'e']);
    expect(comparison.gained).toEqual(['c']);
    expect(comparison.base.instances).toBe(3);
    expect(comparison.candidate.instances).toBe(4);
    expect(comparison.candidate.resolved).toBe(2);
  });

  it('uses pass@1 for the resolve rate when there are several epochs', () => {
    const base = sampleEvalReport([
      { id: 'a', passAt1: 0.5 },
      { id: 'b', passAt1: 1 },
    ]);
    const candidate = sampleEvalReport([
      { id: 'a', passAt1: 1 },
      { id: 'b', passAt1: 1 },
    ]);
    const comparison = compareRuns(base, candidate);
    expect(comparison.base.resolveRate).toBe(0.75);
    expect(comparison.resolveRateDifference.estimate).toBe(0.25);
    // Both resolved on epoch 1: no flip.
    expect(comparison.lost).toEqual([]);
    expect(comparison.gained).toEqual([]);
  });

  it('gives the cost and token differences per instance and in total', () => {
    const base = sampleEvalReport(twelve());
    const candidate = sampleEvalReport(twelve((instance) => ({ ...instance, costUsd: 1.5, tokens: 1_200 })));
    const comparison = compareRuns(base, candidate);
    expect(comparison.base.costUsd).toBe(1);
    expect(comparison.candidate.totalCostUsd).toBe(18);
    expect(comparison.costDifference).toEqual({ estimate: 0.5, low: 0.5, high: 0.5 });
    expect(comparison.totalCostDifference).toEqual({ estimate: 6, low: 6, high: 6 });
    expect(comparison.tokensDifference).toEqual({ estimate: 200, low: 200, high: 200 });
    expect(comparison.candidate.tokens).toBe(1_200);
  });

  it('estimates the instances needed to detect drops of 5 and 10 points at its alpha', () => {
    const base = sampleEvalReport(twelve());
    const candidate = sampleEvalReport(
      twelve((instance, index) => (index < 3 ? { ...instance, status: 'unresolved' } : instance)),
    );
    const comparison = compareRuns(base, candidate, { alpha: 0.1 });
    expect(comparison.alpha).toBe(0.1);
    // (1.6449·√0.25 + 0.8416·√(0.25 − δ²))² / δ²
    expect(comparison.instancesNeeded).toEqual([
      { drop: 0.05, instances: 617 },
      { drop: 0.1, instances: 153 },
    ]);
    const same = compareRuns(base, base);
    expect(same.instancesNeeded).toEqual([
      { drop: 0.05, instances: null },
      { drop: 0.1, instances: null },
    ]);
    expect(same.mcnemarP).toBe(1);
  });

  it('gives the same intervals for the same seed', () => {
    const base = sampleEvalReport(twelve());
    const candidate = sampleEvalReport(
      twelve((instance, index) => ({
        ...instance,
        costUsd: 1 + index / 10,
        status: index % 4 ? 'resolved' : 'error',
      })),
    );
    expect(compareRuns(base, candidate, { seed: 3 })).toEqual(compareRuns(base, candidate, { seed: 3 }));
  });

  it('refuses two reports with no instance in common', () => {
    const error = thrown(() => compareRuns(sampleEvalReport([{ id: 'a' }]), sampleEvalReport([{ id: 'b' }])));
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: 'eval-report-invalid' });
    expect((error as UserError).message).toContain('no instance in common');
    expect((error as UserError).hint).toContain('same suite');
  });
});

describe('parseEvalReport', () => {
  const report = sampleEvalReport([
    { id: 'a', repo: 'owner/one' },
    { id: 'b', status: 'unresolved' },
  ]);

  it('reads back what a run wrote', () => {
    expect(parseEvalReport(JSON.stringify(report), 'runs/base/report.json')).toEqual(report);
  });

  it('accepts fields a newer Warden added, and leaves them out', () => {
    const text = JSON.stringify({ ...report, later: true });
    expect(parseEvalReport(text, 'report.json')).toEqual(report);
  });

  it('names the file and the field that is wrong', () => {
    const broken = structuredClone(report);
    (broken.warden.instances[1] as { passAt1: unknown }).passAt1 = 2;
    const error = thrown(() => parseEvalReport(JSON.stringify(broken), 'runs/base/report.json'));
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: 'eval-report-invalid' });
    expect((error as UserError).message).toMatch(
      /^runs\/base\/report\.json: warden\.instances\.1\.passAt1: /,
    );
  });

  it('refuses a missing status, an old schema, duplicate instances and text that is not JSON', () => {
    const message = (value: unknown) =>
      (
        thrown(() =>
          parseEvalReport(typeof value === 'string' ? value : JSON.stringify(value), 'r.json'),
        ) as Error
      ).message;
    const withoutStatus = structuredClone(report) as { warden: { instances: { status?: string }[] } };
    delete withoutStatus.warden.instances[0]!.status;
    expect(message(withoutStatus)).toContain('r.json: warden.instances.0.status');
    expect(message({ ...report, schema_version: 1 })).toContain('r.json: schema_version');
    const duplicated = structuredClone(report);
    duplicated.warden.instances[1]!.instanceId = 'a';
    expect(message(duplicated)).toContain('r.json: warden.instances.1.instanceId: a appears twice');
    expect(message('{"total_instances": ')).toMatch(/^r\.json: not JSON/);
    expect(message('[]')).toContain('r.json: (root)');
  });
});
