import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createWorkspace, EGRESS_GROUPS, type ResolvedRepository } from '../sandbox/index.ts';
import type { Sandbox, SandboxDriver } from '../spec/sandbox.ts';
import type { TestOutcome, TrialStatus } from './eval-report.ts';
import type { EvalInstance } from './eval-suite.ts';
import { parseTestOutput, statusOf } from './test-output/parse-test-output.ts';

/** Output kept of the test command: logs of large suites run to megabytes. */
const MAX_TEST_OUTPUT_BYTES = 32 * 1024 * 1024;
const SETUP_TIMEOUT_MS = 30 * 60 * 1000;
const APPLY_TIMEOUT_MS = 60 * 1000;

/** What evaluating one patch found. */
export interface PatchEvaluation {
  status: TrialStatus;
  /** Why the status is `error`, or what else went wrong; absent when nothing did. */
  error?: string | undefined;
  failToPass: TestOutcome;
  passToPass: TestOutcome;
}

export interface EvaluateSettings {
  instance: EvalInstance;
  /** A git repository holding the instance's base commit (`resolveRepository`). */
  repository: ResolvedRepository;
  patch: string;
  driver: SandboxDriver;
  /** Where the evaluation's workspace is made (and removed again). */
  scratchDir: string;
}

/**
 * Evaluates `patch` as SWE-bench does: on a fresh checkout of the base commit, in a sandbox, runs the
 * instance's setup, applies the patch and then the instance's `test_patch`, runs its test command and
 * reads which tests passed. Resolved: every `FAIL_TO_PASS` and every `PASS_TO_PASS` test passed. An empty
 * patch is `empty_patch`; an instance with no `FAIL_TO_PASS` test (a promoted task whose tests are not
 * named yet), a patch that does not apply, a failed setup or a test run that timed out or printed nothing
 * Warden can read is `error`.
 *
 * The patches are applied inside the sandbox (the tree is the patch's to shape from then on), from files
 * under a directory named at random, so a patch cannot aim at the test patch applied after it.
 */
export async function evaluatePatch(settings: EvaluateSettings): Promise<PatchEvaluation> {
  const { instance } = settings;
  const none = { passed: [], failed: [] };
  const notRun = {
    failToPass: { passed: [], failed: instance.failToPass },
    passToPass: { passed: [], failed: instance.passToPass },
  };
  if (settings.patch.trim() === '') return { status: 'empty_patch', ...notRun };
  // With no test that must start passing, any patch (or none) would count as a fix.
  if (instance.failToPass.length === 0) {
    return {
      status: 'error',
      error: 'the instance names no FAIL_TO_PASS test, so no patch can be told from one that changes nothing',
      ...notRun,
    };
  }
  const workspace = await createWorkspace({
    repo: settings.repository.root,
    resolved: settings.repository,
    scratchDir: settings.scratchDir,
    taskId: `eval-${randomBytes(8).toString('hex')}`,
    from: {
      gitDir: settings.repository.commonDir ?? path.join(settings.repository.root, '.git'),
      ref: instance.baseCommit,
    },
  });
  let sandbox: Sandbox | undefined;
  try {
    await workspace.ready;
    const hosts = instance.egress.flatMap((group) => EGRESS_GROUPS[group]);
    sandbox = await settings.driver.create({
      workspaceDir: workspace.dir,
      ...(hosts.length > 0 ? { egress: { allow: hosts, readOnly: hosts } } : {}),
    });
    for (const command of instance.setup) {
      const result = await sandbox.exec(command, { timeoutMs: SETUP_TIMEOUT_MS, maxOutputBytes: 64 * 1024 });
      if (result.exitCode !== 0) {
        return { status: 'error', error: `setup \`${command}\` failed: ${tail(result)}`, ...notRun };
      }
    }
    const applied = await applyPatches(sandbox, settings.patch, instance.testPatch);
    if (applied !== undefined) return { status: 'error', error: applied, ...notRun };

    const run = await sandbox.exec(instance.testCommand, {
      timeoutMs: instance.testTimeoutMs,
      maxOutputBytes: MAX_TEST_OUTPUT_BYTES,
      fresh: true,
    });
    if (run.timedOut) {
      return { status: 'error', error: `the tests ran past ${instance.testTimeoutMs / 1000} s`, ...notRun };
    }
    let results: ReturnType<typeof parseTestOutput>;
    try {
      results = parseTestOutput(run.stdout, instance.testReporter);
    } catch {
      try {
        results = parseTestOutput(`${run.stdout}\n${run.stderr}`, instance.testReporter);
      } catch (error) {
        return {
          status: 'error',
          error: `the test output could not be read: ${(error as Error).message}`,
          ...notRun,
        };
      }
    }
    const outcome = (names: string[]): TestOutcome => ({
      passed: names.filter((name) => statusOf(results, name) === 'passed'),
      failed: names.filter((name) => statusOf(results, name) !== 'passed'),
    });
    const failToPass = outcome(instance.failToPass);
    const passToPass = outcome(instance.passToPass);
    const resolved = failToPass.failed.length === 0 && passToPass.failed.length === 0;
    return { status: resolved ? 'resolved' : 'unresolved', failToPass, passToPass };
  } catch (error) {
    return { status: 'error', error: (error as Error).message, failToPass: none, passToPass: none };
  } finally {
    await sandbox?.destroy();
    await workspace.destroy();
  }
}

/** Applies the patch, then the test patch, in the sandbox; a sentence on the first that failed. */
async function applyPatches(sandbox: Sandbox, patch: string, testPatch: string): Promise<string | undefined> {
  const dir = `.warden-eval-${randomBytes(12).toString('hex')}`;
  await sandbox.writeFile(`${dir}/patch.diff`, patch);
  if (testPatch.trim() !== '') await sandbox.writeFile(`${dir}/test.diff`, testPatch);
  const apply = (file: string) =>
    sandbox.exec(`git apply --verbose --whitespace=nowarn ${dir}/${file}`, {
      timeoutMs: APPLY_TIMEOUT_MS,
      maxOutputBytes: 64 * 1024,
    });
  try {
    const first = await apply('patch.diff');
    if (first.exitCode !== 0) return `the patch does not apply: ${tail(first)}`;
    if (testPatch.trim() !== '') {
      const second = await apply('test.diff');
      if (second.exitCode !== 0) return `the test patch does not apply after the patch: ${tail(second)}`;
    }
    return undefined;
  } finally {
    await sandbox.exec(`rm -rf ${dir}`, { timeoutMs: APPLY_TIMEOUT_MS, maxOutputBytes: 4096 });
  }
}

function tail(result: { stdout: string; stderr: string; exitCode: number | null }): string {
  const text = `${result.stderr}\n${result.stdout}`.trim();
  const last = text.length > 600 ? `…${text.slice(-600)}` : text;
  return last === '' ? `exit ${result.exitCode}` : last;
}
