import { describe, expect, it } from 'vitest';
import { limitsForResume, parseRecordedLimits, type TaskLimits } from './task-limits.ts';

const recorded: TaskLimits = {
  maxSteps: 5,
  maxWallSeconds: 900,
  maxUsd: 0.2,
  maxTokens: null,
  sandbox: {
    memoryBytes: 1024,
    processes: 64,
    cpuSeconds: 60,
    fileSizeBytes: 100,
    workspaceBytes: 1000,
    commandTimeoutMs: 1000,
    maxCommandTimeoutMs: 2000,
    maxOutputBytes: 100,
  },
  egressHosts: ['registry.npmjs.org'],
  policyBundleHash: 'a'.repeat(64),
  models: ['anthropic:claude-haiku-4-5'],
  priceTableVersion: 'v1',
};

describe('limits a resumed task runs under', () => {
  it('restores the recorded numbers when the config now allows more, and says nothing changed', () => {
    const current = { ...recorded, maxSteps: 50, maxUsd: 2, maxTokens: 1_000_000 };
    const { limits, changes } = limitsForResume('t1', recorded, current, false);
    expect(limits).toMatchObject({ maxSteps: 5, maxUsd: 0.2, maxTokens: 1_000_000 });
    // maxTokens: null (no limit) → 1,000,000 is a tightening.
    expect(changes).toEqual([{ field: 'maxTokens', recorded: null, current: 1_000_000, kind: 'tighten' }]);
  });

  it('tightens with the current config or flags', () => {
    const current = { ...recorded, maxSteps: 3, sandbox: { ...recorded.sandbox, memoryBytes: 512 } };
    const { limits, changes } = limitsForResume('t1', recorded, current, false);
    expect(limits.maxSteps).toBe(3);
    expect(limits.sandbox.memoryBytes).toBe(512);
    expect(changes.map((change) => change.kind)).toEqual(['tighten', 'tighten']);
  });

  it('refuses another policy bundle, other models, a new egress host, unless told to loosen', () => {
    for (const current of [
      { ...recorded, policyBundleHash: 'b'.repeat(64) },
      { ...recorded, models: ['anthropic:claude-opus-4-7'] },
      { ...recorded, egressHosts: ['evil.example', 'registry.npmjs.org'] },
      { ...recorded, priceTableVersion: 'v2' },
    ]) {
      expect(() => limitsForResume('t1', recorded, current, false)).toThrow(/looser limits/);
      const loosened = limitsForResume('t1', recorded, current, true);
      expect(loosened.limits).toEqual(current);
      expect(loosened.changes).toHaveLength(1);
      expect(loosened.changes[0]!.kind).toBe('loosen');
    }
  });

  it('accepts fewer egress hosts as a tightening', () => {
    const { limits, changes } = limitsForResume('t1', recorded, { ...recorded, egressHosts: [] }, false);
    expect(limits.egressHosts).toEqual([]);
    expect(changes[0]).toMatchObject({ field: 'egressHosts', kind: 'tighten' });
  });

  it('with --allow-loosen, the larger numbers apply and are reported', () => {
    const current = { ...recorded, maxSteps: 50, maxUsd: null };
    const { limits, changes } = limitsForResume('t1', recorded, current, true);
    expect(limits).toMatchObject({ maxSteps: 50, maxUsd: null });
    expect(changes.map((change) => [change.field, change.kind])).toEqual([
      ['maxSteps', 'loosen'],
      ['maxUsd', 'loosen'],
    ]);
  });

  it('refuses to resume a task whose record is missing or garbled', () => {
    expect(() => parseRecordedLimits('t1', undefined)).toThrow(/cannot be resumed/);
    expect(() => parseRecordedLimits('t1', { maxSteps: 5, maxWallSeconds: 10 })).toThrow(/cannot be resumed/);
    expect(parseRecordedLimits('t1', recorded)).toEqual(recorded);
  });
});
