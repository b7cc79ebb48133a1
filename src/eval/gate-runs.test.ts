import { describe, expect, it } from 'vitest';
import { compareRuns } from './compare-runs.ts';
import { gateRuns, renderComparison } from './gate-runs.ts';
import { type SampleInstance, sampleEvalReport } from './internal/sample-eval-report.ts';

/** `count` instances over three repositories, all resolved at $0.40 each unless `change` says otherwise. */
function instances(
  count: number,
  change: (instance: SampleInstance, index: number) => SampleInstance = (instance) => instance,
): SampleInstance[] {
  return Array.from({ length: count }, (_, index) =>
    change(
      { id: `instance-${index + 1}`, repo: `owner/repo-${index % 3}`, costUsd: 0.4, tokens: 2_000 },
      index,
    ),
  );
}

/** Base resolves every instance; the candidate misses the first `lost`. */
function runsLosing(count: number, lost: number) {
  const base = sampleEvalReport(instances(count), { agent: 'default', model: 'anthropic:claude-opus-4-7' });
  const candidate = sampleEvalReport(
    instances(count, (instance, index) => (index < lost ? { ...instance, status: 'unresolved' } : instance)),
    { agent: 'default', model: 'anthropic:claude-sonnet-4-6' },
  );
  return compareRuns(base, candidate, { alpha: 0.1 });
}

describe('gateRuns', () => {
  it('passes twelve instances where the candidate resolves three fewer: p = 0.25 is not significant', () => {
    const comparison = runsLosing(12, 3);
    const gate = gateRuns(comparison, { alpha: 0.1 });
    expect(gate.pass).toBe(true);
    expect(gate.reasons).toEqual([]);
    expect(comparison.lost).toEqual(['instance-1', 'instance-2', 'instance-3']);
    expect(gate.explanation).toContain(
      'Candidate resolved 9 of 12 instances against 12 of 12 (\u221225.0 points',
    );
    expect(gate.explanation).toContain(
      "McNemar's exact test p = 0.250 on 3 flips (3 lost, 0 gained) is not below alpha 0.10, so the drop is not significant",
    );
    expect(gate.explanation).toContain(
      'about 153 paired instances would be needed to detect a 10-point drop',
    );
    expect(gate.explanation).toContain('Cost per instance went from $0.4000 to $0.4000 (0.0%).');
  });

  it('fails five lost and none gained at alpha 0.10 (p = 0.0625), and passes it at 0.05', () => {
    const comparison = runsLosing(12, 5);
    const gate = gateRuns(comparison, { alpha: 0.1 });
    expect(gate.pass).toBe(false);
    expect(gate.reasons).toEqual([
      "significant drop: 5 lost and 0 gained on epoch 1, McNemar's p = 0.0625 < alpha 0.10",
    ]);
    expect(gate.explanation).toContain('Candidate resolved 7 of 12 instances against 12 of 12');
    expect(gate.explanation).toContain(
      "McNemar's exact test p = 0.0625 on 5 flips (5 lost, 0 gained) is below alpha 0.10, so the drop is significant.",
    );
    expect(gateRuns(comparison, { alpha: 0.05 }).pass).toBe(true);
    expect(gateRuns(comparison).pass).toBe(true);
  });

  it('passes a candidate that gained, however lopsided', () => {
    const base = sampleEvalReport(instances(12, (instance) => ({ ...instance, status: 'unresolved' })));
    const gate = gateRuns(compareRuns(base, sampleEvalReport(instances(12))), { alpha: 0.5 });
    expect(gate.pass).toBe(true);
    expect(gate.explanation).toContain(
      'Candidate resolved 12 of 12 instances against 0 of 12 (+100.0 points, 95% CI +100.0 to +100.0); ' +
        'with 12 flips (0 lost, 12 gained) there is no drop to test.',
    );
  });

  it('fails a cost increase beyond the limit even when both resolve the same', () => {
    const base = sampleEvalReport(instances(12));
    const candidate = sampleEvalReport(instances(12, (instance) => ({ ...instance, costUsd: 0.5 })));
    const comparison = compareRuns(base, candidate);
    const gate = gateRuns(comparison, { maxCostIncreasePct: 10 });
    expect(gate.pass).toBe(false);
    expect(gate.reasons).toEqual(['cost per instance rose +25.0%, beyond the limit of +10%']);
    expect(gate.explanation).toContain(
      'Cost per instance went from $0.4000 to $0.5000 (+25.0%), beyond the limit of +10%.',
    );
    expect(gateRuns(comparison, { maxCostIncreasePct: 30 })).toMatchObject({ pass: true, reasons: [] });
    expect(gateRuns(comparison, { maxCostIncreasePct: 30 }).explanation).toContain(
      'within the limit of +30%',
    );
    expect(gateRuns(comparison).pass).toBe(true);
  });

  it('fails any cost from a base that cost nothing, and says so', () => {
    const base = sampleEvalReport(instances(6, (instance) => ({ ...instance, costUsd: 0 })));
    const candidate = sampleEvalReport(instances(6, (instance) => ({ ...instance, costUsd: 0.01 })));
    const gate = gateRuns(compareRuns(base, candidate), { maxCostIncreasePct: 1_000 });
    expect(gate.pass).toBe(false);
    expect(gate.reasons).toEqual(['cost per instance rose from nothing to $0.0100, beyond any limit']);
    expect(gate.explanation).toContain('from a base that cost nothing, that is beyond any percentage limit');
    const free = gateRuns(compareRuns(base, base), { maxCostIncreasePct: 0 });
    expect(free.pass).toBe(true);
    expect(free.explanation).toContain('Neither run cost anything.');
  });

  it('gives both reasons when both fail, and names instances only one run has', () => {
    const base = sampleEvalReport([...instances(12), { id: 'extra' }]);
    const candidate = sampleEvalReport(
      instances(12, (instance, index) => ({
        ...instance,
        costUsd: 0.8,
        status: index < 6 ? 'unresolved' : 'resolved',
      })),
    );
    const gate = gateRuns(compareRuns(base, candidate), { maxCostIncreasePct: 50 });
    expect(gate.pass).toBe(false);
    expect(gate.reasons).toHaveLength(2);
    expect(gate.explanation).toMatch(
      /^Compared on the 12 instances both runs have \(1 only in the base, 0 only in the candidate\)\. /,
    );
  });

  it('refuses an alpha outside 0 … 1 and a negative cost limit', () => {
    const comparison = runsLosing(4, 1);
    expect(() => gateRuns(comparison, { alpha: 5 })).toThrow(/alpha must be between 0 and 1/);
    expect(() => gateRuns(comparison, { maxCostIncreasePct: -1 })).toThrow(/cost limit/);
  });
});

describe('renderComparison', () => {
  it('shows both runs, the differences, the test, and the instances that flipped', () => {
    const text = renderComparison(runsLosing(12, 3));
    const lines = text.split('\n');
    expect(lines[0]).toBe('base:      sample, default on anthropic:claude-opus-4-7, 1 epoch, 12 instances');
    expect(lines[1]).toBe('candidate: sample, default on anthropic:claude-sonnet-4-6, 1 epoch, 12 instances');
    expect(lines[2]).toBe('12 instances in both runs');
    expect(text).toMatch(/resolved, epoch 1 +12 of 12 +9 of 12 +\u22123\n/);
    expect(text).toMatch(
      /resolve rate +100\.0% +75\.0% +\u221225\.0 points \(\u2212\d+\.\d to \u2212\d+\.\d\)\n/,
    );
    expect(text).toMatch(/cost per instance +\$0\.4000 +\$0\.4000 +\$0\.00 \(\$0\.00 to \$0\.00\)\n/);
    expect(text).toMatch(/tokens per instance +2,000 +2,000 +0 \(0 to 0\)\n/);
    expect(text).toContain("McNemar's exact test: p = 0.250 (one-sided, for a drop: 0.125) on 3 flips");
    expect(text).toContain('lost (3): instance-1, instance-2, instance-3\ngained (0): none\n');
    expect(text).toContain(
      'paired instances needed to detect a drop (alpha 0.10, power 0.8): 5 points: about 617; 10 points: about 153',
    );
  });

  it('says n/a where the suite has too few flips to size a test', () => {
    const report = sampleEvalReport(instances(3));
    expect(renderComparison(compareRuns(report, report))).toContain('5 points: n/a; 10 points: n/a');
  });
});
