import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { costOf, loadPriceTable } from '../../src/model/index.ts';
import { git, runWarden, scratch } from '../support/cli.ts';

describe('warden demo (scripted model, real git, real bubblewrap, real SQLite)', () => {
  const home = scratch('demo');
  afterAll(home.cleanup);

  it('fixes the sample repository and leaves a reviewable branch, a priced trace and the user checkout untouched', async () => {
    const result = await runWarden(['demo', '--json', '--data-dir', home.dir]);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    // Verified: the repository's own test script, found by auto-detection, passed in the sandbox.
    expect(report).toMatchObject({
      status: 'succeeded',
      stopReason: 'finished',
      steps: 7,
      verification: 'passed',
      check: { command: 'npm test', source: 'package.json scripts.test' },
    });
    expect(report.branch).toBe(`warden/${report.taskId}`);
    expect(report.diffStat).toEqual({ filesChanged: 1, insertions: 1, deletions: 1 });

    // The branch holds the fix, committed by the agent, with the task and trace as trailers.
    const fixed = git(report.repo, 'show', `${report.branch}:src/cart.js`);
    expect(fixed).toContain('Math.round((gross * (100 - discountPercent)) / 100)');
    expect(git(report.repo, 'log', '-1', '--format=%an <%ae>', report.branch)).toBe(
      'Warden Agent <agent@warden.local>',
    );
    const message = git(report.repo, 'log', '-1', '--format=%B', report.branch);
    expect(message).toContain(`Warden-Task: ${report.taskId}`);
    expect(message).toContain(`Warden-Trace: warden trace ${report.taskId}`);

    // The user's checkout still has the bug and is still on main.
    expect(readFileSync(path.join(report.repo, 'src/cart.js'), 'utf8')).toContain('gross - discountPercent');
    expect(git(report.repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(git(report.repo, 'status', '--porcelain')).toBe('');

    // The cost is the scripted usage priced at the named model, summed from the journal.
    const trace = await runWarden(['trace', report.taskId, '--json', '--data-dir', home.dir]);
    expect(trace.code).toBe(0);
    const events = JSON.parse(trace.stdout) as Array<Record<string, unknown>>;
    const responses = events.filter((event) => event.type === 'model-response');
    expect(responses).toHaveLength(7);
    const table = loadPriceTable();
    const expected = responses.reduce(
      (sum, event) => sum + costOf(table, 'anthropic:claude-opus-4-7', event.usage as never).usd,
      0,
    );
    expect(report.costUsd).toBeCloseTo(expected, 10);
    expect(report.costUsd).toBeGreaterThan(0.1);

    // The first test run failed and the last passed, inside the sandbox.
    const runs = events.filter((event) => event.type === 'tool-call-end' && event.tool === 'shell');
    expect(runs.map((event) => event.exitCode)).toEqual([1, 0]);
    const checks = events.filter((event) => event.type === 'check');
    expect(checks).toMatchObject([{ check: 'npm test', passed: true }]);
    expect(events.at(-1)).toMatchObject({ type: 'task-end', status: 'succeeded', verification: 'passed' });
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  });

  it('shows the trajectory to people, with the chain verified', async () => {
    const tasks = await runWarden(['tasks', '--json', '--data-dir', home.dir]);
    const [task] = JSON.parse(tasks.stdout);
    const trace = await runWarden(['trace', task.id.slice(0, 18), '--data-dir', home.dir]);
    expect(trace.code).toBe(0);
    expect(trace.stdout).toContain('edit_file');
    expect(trace.stdout).toMatch(/journal: \d+ events, chain verified/);
  });
});
