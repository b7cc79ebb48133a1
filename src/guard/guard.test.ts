import { describe, expect, it } from 'vitest';
import { createFixedRules } from './fixed-rules.ts';
import { TaskBudget } from './task-budget.ts';

const limits = { maxUsd: 1, maxTokens: 10_000, maxSteps: 10, maxWallSeconds: 60 };

describe('TaskBudget', () => {
  it('refuses a call whose worst case would cross the dollar limit, before it is made', () => {
    const budget = new TaskBudget(limits);
    const first = budget.reserve({ usd: 0.6, tokens: 100 });
    expect(first.ok).toBe(true);
    if (first.ok) budget.settle(first.reservation, { usd: 0.5, tokens: 90 });
    const second = budget.reserve({ usd: 0.6, tokens: 100 });
    expect(second).toMatchObject({ ok: false, limit: 'usd' });
    expect(budget.spentUsd).toBe(0.5);
  });

  it('counts in-flight reservations so two concurrent calls cannot both pass', () => {
    const budget = new TaskBudget(limits);
    expect(budget.reserve({ usd: 0.6, tokens: 10 }).ok).toBe(true);
    expect(budget.reserve({ usd: 0.6, tokens: 10 }).ok).toBe(false);
  });

  it('enforces the token limit', () => {
    const budget = new TaskBudget(limits);
    expect(budget.reserve({ usd: 0, tokens: 10_001 })).toMatchObject({ ok: false, limit: 'tokens' });
  });
});

describe('fixed rules', () => {
  const rules = createFixedRules();
  const call = (name: string, input: unknown) => rules.decide({ id: 'c', name, input });

  it('allows file access inside the workspace, absolute or relative', async () => {
    expect((await call('read_file', { path: 'src/a.ts' })).decision).toBe('allow');
    expect((await call('read_file', { path: '/workspace/src/a.ts' })).decision).toBe('allow');
    expect((await call('list_files', {})).decision).toBe('allow');
  });

  it('denies paths that leave the workspace', async () => {
    expect((await call('read_file', { path: '../secret' })).decision).toBe('deny');
    expect((await call('read_file', { path: '/etc/passwd' })).decision).toBe('deny');
    expect((await call('write_file', { path: 'src/../../x', content: '' })).decision).toBe('deny');
  });

  it('denies writes under .git but allows reading there', async () => {
    const denied = await call('write_file', { path: '.git/hooks/pre-commit', content: '#!/bin/sh' });
    expect(denied).toMatchObject({ decision: 'deny', policyIds: ['git-internals'] });
    expect(
      (await call('edit_file', { path: 'sub/.git/config', old_string: 'a', new_string: 'b' })).decision,
    ).toBe('deny');
    expect((await call('read_file', { path: '.git/HEAD' })).decision).toBe('allow');
  });

  it('denies tools it does not know', async () => {
    expect((await call('deploy', {})).decision).toBe('deny');
  });
});
