import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExampleRepositories } from '../../examples/eval/build-repos.ts';
import { runWarden, scratch } from '../support/cli.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/eval/', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/warden.js', import.meta.url));

interface Report {
  resolved_ids: string[];
  unresolved_ids: string[];
  empty_patch_ids: string[];
  error_ids: string[];
  submitted_instances: number;
  total_instances: number;
  warden: {
    totals: {
      passAt1: number;
      passHatK: Record<string, number>;
      costUsd: number;
      tokens: number;
      trials: number;
    };
    instances: Array<{ instanceId: string; resolvedTrials: number; trials: number }>;
  };
}

type Instance = { instance_id: string; patch: string };

describe('warden eval run on the example suite', () => {
  const work = scratch('eval');
  const home = () => ['--data-dir', path.join(work.dir, 'home')];
  const suite = path.join(work.dir, 'suite.jsonl');
  let instances: Instance[];
  const evalRun = (out: string, ...extra: string[]) =>
    runWarden(['eval', 'run', '--suite', suite, '--out', path.join(work.dir, out), ...home(), ...extra], {
      timeoutMs: 120_000,
    });
  const report = (out: string) =>
    JSON.parse(readFileSync(path.join(work.dir, out, 'report.json'), 'utf8')) as Report;

  beforeAll(() => {
    // The suite names its repositories relative to itself: build them beside a copy of it.
    buildExampleRepositories(path.join(work.dir, 'repos'));
    copyFileSync(path.join(EXAMPLE, 'suite.jsonl'), suite);
    instances = readFileSync(suite, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Instance);
  });
  afterAll(work.cleanup);

  it('resolves every instance with the gold patches', async () => {
    const result = await evalRun('gold', '--predictions', 'gold', '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as Report;
    expect([...printed.resolved_ids].sort()).toEqual(
      instances.map((instance) => instance.instance_id).sort(),
    );
    expect(printed.total_instances).toBe(4);
    expect(report('gold')).toEqual(printed);
  }, 180_000);

  it('resolves only the correct prediction: not a wrong, an empty or a PASS_TO_PASS-breaking one', async () => {
    const gold = (id: string) => instances.find((instance) => instance.instance_id === id)!.patch;
    const predictions = [
      { instance_id: 'escape-html-1', model_name_or_path: 'test', model_patch: gold('escape-html-1') },
      // Applies, changes the code, fixes nothing: runs of punctuation still give many dashes.
      {
        instance_id: 'slugify-1',
        model_name_or_path: 'test',
        model_patch: gold('slugify-1').replace('[^a-z0-9]+', '[^a-z0-9 ]'),
      },
      { instance_id: 'slugify-2', model_name_or_path: 'test', model_patch: '' },
      // Fixes decimals, and loses seconds on the way ("parses whole units" breaks).
      {
        instance_id: 'parse-duration-1',
        model_name_or_path: 'test',
        model_patch: gold('parse-duration-1').replace('?)\\s*(ms|s|m|h|d)', '?)\\s*(ms|m|h|d)'),
      },
    ];
    expect(predictions[3]!.model_patch).toContain('(ms|m|h|d)');
    const file = path.join(work.dir, 'predictions.jsonl');
    writeFileSync(file, predictions.map((prediction) => JSON.stringify(prediction)).join('\n'));
    const result = await evalRun('mixed', '--predictions', file);
    expect(result.code).toBe(0);
    const mixed = report('mixed');
    expect(mixed.resolved_ids).toEqual(['escape-html-1']);
    expect(mixed.unresolved_ids.sort()).toEqual(['parse-duration-1', 'slugify-1']);
    expect(mixed.empty_patch_ids).toEqual(['slugify-2']);
    expect(mixed.error_ids).toEqual([]);
    expect(result.stdout).toMatch(/resolved 1 of 4 instances/);
  }, 180_000);

  it('calls a patch that does not apply an error, naming why', async () => {
    const file = path.join(work.dir, 'broken.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ instance_id: 'escape-html-1', model_patch: 'diff --git a/nope.js b/nope.js\n--- a/nope.js\n+++ b/nope.js\n@@ -1 +1 @@\n-x\n+y\n' })}\n`,
    );
    const result = await evalRun('broken', '--predictions', file);
    expect(result.code).toBe(0);
    const broken = report('broken');
    expect(broken.error_ids).toEqual(['escape-html-1']);
    // Instances the predictions do not name are not submitted.
    expect(broken.submitted_instances).toBe(1);
    const trial = JSON.parse(
      readFileSync(path.join(work.dir, 'broken', 'trials', 'escape-html-1', '1.json'), 'utf8'),
    ) as { error: string };
    expect(trial.error).toMatch(/the patch does not apply/);
  }, 120_000);

  it('does not call a patch resolved that adds a passing test under the name of a failing one', async () => {
    const spoof = [
      'diff --git a/test/zz.test.js b/test/zz.test.js',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/test/zz.test.js',
      '@@ -0,0 +1,2 @@',
      "+import { test } from 'node:test';",
      "+test('escapes single quotes', () => {});",
      '',
    ].join('\n');
    const file = path.join(work.dir, 'spoof.jsonl');
    writeFileSync(file, `${JSON.stringify({ instance_id: 'escape-html-1', model_patch: spoof })}\n`);
    const result = await evalRun('spoof', '--predictions', file);
    expect(result.code).toBe(0);
    const spoofed = report('spoof');
    // The real test still fails; the worst status of a name wins.
    expect(spoofed.unresolved_ids).toEqual(['escape-html-1']);
  }, 120_000);

  it('never lets a patch write a git hook or anything outside the checkout', async () => {
    const canary = path.join(work.dir, 'hook-ran');
    const hook = [
      'diff --git a/.git/hooks/post-checkout b/.git/hooks/post-checkout',
      'new file mode 100755',
      '--- /dev/null',
      '+++ b/.git/hooks/post-checkout',
      '@@ -0,0 +1,2 @@',
      '+#!/bin/sh',
      `+touch ${canary}`,
      'diff --git a/../../outside.txt b/../../outside.txt',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/../../outside.txt',
      '@@ -0,0 +1 @@',
      '+escaped',
      '',
    ].join('\n');
    const file = path.join(work.dir, 'hook.jsonl');
    writeFileSync(file, `${JSON.stringify({ instance_id: 'escape-html-1', model_patch: hook })}\n`);
    const result = await evalRun('hook', '--predictions', file);
    expect(result.code).toBe(0);
    expect(report('hook').error_ids).toEqual(['escape-html-1']);
    // A later run checks the same repository out again: no hook of the patch's runs.
    const gold = await evalRun('after-hook', '--predictions', 'gold', '--instances', 'escape-html-1');
    expect(gold.code).toBe(0);
    expect(existsSync(canary)).toBe(false);
    expect(existsSync(path.join(work.dir, 'repos', 'escape-html', '.git', 'hooks', 'post-checkout'))).toBe(
      false,
    );
    expect(readdirSync(work.dir).filter((name) => name === 'outside.txt')).toEqual([]);
  }, 180_000);

  it('finishes a run killed midway without redoing its finished trials', async () => {
    const out = path.join(work.dir, 'killed');
    const trials = () =>
      readdirSync(path.join(out, 'trials'), { recursive: true })
        .map(String)
        .filter((name) => /\d+\.json$/.test(name))
        .sort();
    const child = spawn(
      process.execPath,
      [
        BIN,
        'eval',
        'run',
        '--suite',
        suite,
        '--predictions',
        'gold',
        '--epochs',
        '2',
        '--out',
        out,
        ...home(),
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Killed once three of the eight trials have finished.
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const finished = await Promise.resolve().then(() => {
        try {
          return trials().length;
        } catch {
          return 0;
        }
      });
      if (finished >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
    await exited;
    const before = trials();
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(8);
    const stamps = new Map(before.map((name) => [name, statSync(path.join(out, 'trials', name)).mtimeMs]));

    const again = await evalRun('killed', '--predictions', 'gold', '--epochs', '2');
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`${before.length} of 8 trials finished by an earlier run: skipped`);
    // The finished trials were not run again; the rest were, once each.
    for (const [name, stamp] of stamps) expect(statSync(path.join(out, 'trials', name)).mtimeMs).toBe(stamp);
    expect(again.stderr.match(/^\[\d+\/8\]/gm)).toHaveLength(8 - before.length);
    const finished = report('killed');
    expect(finished.resolved_ids).toHaveLength(4);
    expect(finished.warden.totals.trials).toBe(8);
    expect(finished.warden.totals.passHatK).toEqual({ '1': 1, '2': 1 });
  }, 240_000);

  it('runs the real agent on an instance, epoch after epoch, and counts its cost', async () => {
    const model = `scripted:${path.join(EXAMPLE, 'escape-html.scripted.yaml')}`;
    const result = await evalRun(
      'agent',
      '--model',
      model,
      '--instances',
      'escape-html-1',
      '--epochs',
      '2',
      '--concurrency',
      '2',
    );
    expect(result.code).toBe(0);
    const agent = report('agent');
    expect(agent.resolved_ids).toEqual(['escape-html-1']);
    expect(agent.warden.instances).toEqual([
      expect.objectContaining({ instanceId: 'escape-html-1', trials: 2, resolvedTrials: 2 }),
    ]);
    expect(agent.warden.totals.costUsd).toBeGreaterThan(0);
    expect(agent.warden.totals.tokens).toBe(2 * (1830 + 2190 + 2360 + 2420));
    // Each trial is a task of its own, with its journal.
    const trial = JSON.parse(
      readFileSync(path.join(work.dir, 'agent', 'trials', 'escape-html-1', '2.json'), 'utf8'),
    ) as { taskId: string; patch: string };
    expect(trial.patch).toContain("+  \"'\": '&#39;',");
    const trace = await runWarden(['trace', trial.taskId, '--json', ...home()]);
    expect(trace.code).toBe(0);
  }, 240_000);
});
