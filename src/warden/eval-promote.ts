import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../spec/errors.ts';
import type { JournalEvent } from '../spec/journal-events.ts';
import type { PullState } from '../spec/pull-outcome-store.ts';
import type { Task } from '../spec/types.ts';
import { operatorText, type PromotionReason, type PullFate, promotionReason } from './promotion-reason.ts';
import {
  commitsMentioning,
  type FixSource,
  folderName,
  mergedHead,
  type ReferenceFix,
  type ReferencePatches,
  referencePatches,
  resolveCommit,
} from './reference-fix.ts';
import type { Warden } from './warden.ts';

/** `warden eval promote` as the CLI asks for it. */
export interface PromoteRequest {
  /** A task id or unique prefix. */
  task: string;
  /** The suite file (JSON Lines) to append the instance to; created when missing. */
  out: string;
  /** The commit holding the human fix, in the task's repository; absent: looked for. */
  fix?: string | undefined;
}

/** The line appended: SWE-bench's instance fields, Warden's, and where it came from (`warden_*`). */
export interface PromotedInstance {
  instance_id: string;
  repo: string;
  base_commit: string;
  problem_statement: string;
  patch: string;
  test_patch: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  repo_path: string;
  test_cmd?: string;
  warden_task: string;
  warden_reason: PromotionReason;
  /** The commit the reference patches come from, and how it was found; absent without a fix. */
  warden_fix_commit?: string;
  warden_fix_source?: FixSource;
  /** No reference fix yet: the instance cannot be evaluated until one exists. */
  warden_needs_fix?: true;
  /** FAIL_TO_PASS and PASS_TO_PASS are still to be named. */
  warden_needs_tests: true;
}

/** What `promoteTask` appended, and what the operator should know about it. */
export interface Promotion {
  instance: PromotedInstance;
  out: string;
  /** Why the task qualified, in words. */
  explanation: string;
  fix: (ReferenceFix & Pick<ReferencePatches, 'codeFiles' | 'testFiles' | 'commits' | 'descends'>) | null;
  /** What is still to do before the instance measures anything. */
  notes: string[];
}

const FOUND_BY: Record<FixSource, string> = {
  option: 'named by --fix',
  'pull-request': "the pull request's head as merged",
  mention: 'a later commit that names the task',
};

/**
 * Turns a production task that failed, stopped or ended unverified after a failed check, or whose pull
 * request was rejected, reverted or merged only after a human changed it, into an eval instance appended
 * to `request.out`: its repository and base commit, the operator's text and the check it ran, and, once
 * a human fix exists (`request.fix`, the merged pull request, or a later commit naming the task), the
 * fix's diff from the base split into `patch` and `test_patch`. FAIL_TO_PASS and PASS_TO_PASS are left
 * empty (`warden_needs_tests`): running the tests to name them is a later step.
 *
 * @throws UserError `task-not-found`; `usage` for a task that does not qualify, an instance id already in
 *   the file, a file that is not JSON Lines, or a `--fix` that names no commit; `repo-invalid` when the
 *   task's repository is gone.
 */
export async function promoteTask(warden: Warden, request: PromoteRequest): Promise<Promotion> {
  const { task, events } = await warden.trace(request.task);
  const start = events.find((event) => event.type === 'task-start');
  const pull = await pullFate(warden, task.id, events);
  const { reason, explanation } = promotionReason(task, events, pull);
  const instanceId = `warden-${task.id}`;
  await refuseRepeat(request.out, instanceId);
  if ((await resolveCommit(task.repo, task.baseCommit)) === undefined) {
    throw new UserError(
      'repo-invalid',
      `${task.repo} no longer holds the task's base commit ${task.baseCommit}`,
      {
        hint: 'promote from the repository the task ran on (or a clone of it)',
      },
    );
  }
  const notes: string[] = [];
  const fix = await findFix(task, events, pull, request.fix, notes);
  const patches = fix ? await referencePatches(task.repo, task.baseCommit, fix.commit) : undefined;
  const check = testCommandOf(events);
  const instance: PromotedInstance = {
    instance_id: instanceId,
    repo: forgeName(warden, pull, start?.trigger?.repository) ?? folderName(task.repo),
    base_commit: task.baseCommit,
    problem_statement: operatorText(task.prompt, start?.trigger?.kind === 'github'),
    patch: patches?.patch ?? '',
    test_patch: patches?.testPatch ?? '',
    FAIL_TO_PASS: [],
    PASS_TO_PASS: [],
    repo_path: path.resolve(task.repo),
    ...(check === undefined ? {} : { test_cmd: check }),
    warden_task: task.id,
    warden_reason: reason,
    ...(fix
      ? { warden_fix_commit: fix.commit, warden_fix_source: fix.source }
      : { warden_needs_fix: true as const }),
    warden_needs_tests: true,
  };
  if (!fix || !patches) {
    notes.push(
      `no human fix exists yet: the instance cannot be evaluated until one does; once it is committed, remove this line and promote the task again with --fix COMMIT`,
    );
  } else {
    notes.push(...fixNotes(fix, patches));
  }
  if (check === undefined) notes.push('the task ran no check: add test_cmd to the instance by hand');
  await mkdir(path.dirname(request.out), { recursive: true });
  const existing = await readFile(request.out, 'utf8').catch(() => '');
  const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
  await appendFile(request.out, `${separator}${JSON.stringify(instance)}\n`);
  return {
    instance,
    out: request.out,
    explanation,
    fix: fix && patches ? { ...fix, ...pick(patches) } : null,
    notes,
  };
}

function pick({ codeFiles, testFiles, commits, descends }: ReferencePatches) {
  return { codeFiles, testFiles, commits, descends };
}

function fixNotes(fix: ReferenceFix, patches: ReferencePatches): string[] {
  const notes = [
    `the reference is ${fix.commit.slice(0, 12)} (${FOUND_BY[fix.source]}): ${patches.codeFiles.length} code file(s) in patch, ${patches.testFiles.length} test file(s) in test_patch`,
    'FAIL_TO_PASS and PASS_TO_PASS are empty (warden_needs_tests): name the tests the fix makes pass and those that must keep passing before the instance measures anything; running them to find FAIL_TO_PASS is a later step',
  ];
  if (patches.testFiles.length === 0) notes.push('the fix changed no test file: test_patch is empty');
  if (!patches.descends)
    notes.push("the fix does not descend from the task's base commit: check the reference diff");
  else if (patches.commits > 1) {
    notes.push(
      `base..fix spans ${patches.commits} commits: the reference holds all of them; name a narrower fix with --fix COMMIT if that is too much`,
    );
  }
  if (fix.otherMentions.length > 0) {
    notes.push(
      `other commits also name the task (${fix.otherMentions.map((commit) => commit.slice(0, 12)).join(', ')}): --fix COMMIT picks one of them instead`,
    );
  }
  return notes;
}

/** The explicit fix, the merged pull request's head after a human changed it, or a commit naming the task. */
async function findFix(
  task: Task,
  events: readonly JournalEvent[],
  pull: PullFate | undefined,
  named: string | undefined,
  notes: string[],
): Promise<ReferenceFix | undefined> {
  if (named !== undefined) {
    const commit = await resolveCommit(task.repo, named);
    if (commit === undefined) {
      throw new UserError('usage', `--fix ${named}: not a commit of ${task.repo}`, {
        hint: 'name the commit holding the human fix, in the repository the task ran on',
      });
    }
    return { commit, source: 'option', otherMentions: [] };
  }
  if (pull?.state === 'accepted-after-changes' && pull.humanCommits > 0 && pull.mergeCommit !== null) {
    const head = await mergedHead(task.repo, pull.mergeCommit);
    if (head !== undefined) return { commit: head, source: 'pull-request', otherMentions: [] };
    notes.push(
      `the pull request was merged as ${pull.mergeCommit}, which ${task.repo} does not hold: fetch it there, or pass --fix COMMIT`,
    );
  }
  const own = events.flatMap((event) => (event.type === 'branch-created' ? [event.commit] : []));
  const mentions = await commitsMentioning(task.repo, {
    taskId: task.id,
    base: task.baseCommit,
    branch: task.branch,
    exclude: [...own, ...(pull?.mergeCommit ? [pull.mergeCommit] : [])],
  });
  const [first, ...others] = mentions;
  return first === undefined ? undefined : { commit: first, source: 'mention', otherMentions: others };
}

/** The check the task ran: the one chosen at its start, else the last one run. */
function testCommandOf(events: readonly JournalEvent[]): string | undefined {
  for (const event of events) {
    if (event.type === 'workspace-ready' && event.check) return event.check.command;
  }
  return events.findLast((event) => event.type === 'check')?.check;
}

const CHANGES: Partial<Record<string, PullState>> = {
  rejected: 'rejected',
  reverted: 'reverted',
  'accepted-first-pass': 'accepted-first-pass',
  'accepted-after-changes': 'accepted-after-changes',
};

/** The task's pull request as the outcome store has it; else as its journal's `forge-outcome` events tell. */
async function pullFate(
  warden: Warden,
  taskId: string,
  events: readonly JournalEvent[],
): Promise<PullFate | undefined> {
  const row = (await warden.outcomes()).pullRequests.find((pull) => pull.taskId === taskId);
  if (row)
    return {
      state: row.state,
      humanCommits: row.humanCommits,
      mergeCommit: row.mergeCommit,
      repository: row.repository,
    };
  const outcomes = events.flatMap((event) => (event.type === 'forge-outcome' ? [event.change] : []));
  if (outcomes.length === 0) return undefined;
  const state =
    outcomes.map((change) => CHANGES[change]).findLast((change) => change !== undefined) ?? 'open';
  const humanCommits = outcomes.filter((change) => change === 'human-commits').length;
  return { state, humanCommits, mergeCommit: null };
}

const OWNER_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** `owner/name` on the forge, when Warden knows it: the pull request's, the trigger's, or the configured GitHub repository's. */
function forgeName(
  warden: Warden,
  pull: PullFate | undefined,
  triggered: string | undefined,
): string | undefined {
  const github = warden.config.forge.kind === 'github' ? warden.config.forge.github : undefined;
  return [pull?.repository, triggered, github ? `${github.owner}/${github.repo}` : undefined].find(
    (name) => name !== undefined && OWNER_NAME.test(name),
  );
}

const InstanceId = z.looseObject({ instance_id: z.string() });

/**
 * Refuses an instance id `file` already holds (a missing file holds none).
 *
 * @throws UserError `usage` for a repeat, or a line that is not an instance.
 */
async function refuseRepeat(file: string, instanceId: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UserError('usage', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new UserError('usage', `${file}:${index + 1}: not JSON; --out names a suite (JSON Lines)`, {
        cause: error,
      });
    }
    const parsed = InstanceId.safeParse(value);
    if (!parsed.success) {
      throw new UserError('usage', `${file}:${index + 1}: no instance_id; --out names a suite (JSON Lines)`);
    }
    if (parsed.data.instance_id === instanceId) {
      throw new UserError('usage', `${file}:${index + 1} already holds ${instanceId}`, {
        hint: 'each task is promoted once: remove that line to promote it again',
      });
    }
  }
}
