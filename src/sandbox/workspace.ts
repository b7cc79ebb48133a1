import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { SystemError, UserError } from '../spec/errors.ts';
import { type AddedLine, readAddedLines } from './added-lines.ts';
import { type DiffStat, readDiffStat } from './diff-stat.ts';
import { type GitIdentity, runGit } from './git.ts';
import { BASE_REF, cloneRef, cloneWorkspace } from './internal/clone-workspace.ts';
import { discardTaskDir, sweepDiscardedWorkspaces } from './internal/discarded-workspaces.ts';
import { writeFreshGitIndex } from './internal/fresh-git-index.ts';
import { dropEarlierResult, landResultBranch } from './internal/land-result-branch.ts';
import { RESULT_REF, readResultBase, writeResultCommit } from './internal/result-commit.ts';
import type { SkippedPath } from './internal/workspace-snapshot.ts';
import { type ResolvedRepository, resolveRepository } from './resolve-repository.ts';

export type { SkippedPath, SkipReason } from './internal/workspace-snapshot.ts';

/** The identity every agent commit carries. */
export const AGENT_IDENTITY: GitIdentity = { name: 'Warden Agent', email: 'agent@warden.local' };

export interface WorkspaceSettings {
  /**
   * The root of the user's repository (`resolveRepository` refuses anything else). It is only ever read,
   * plus the result branch.
   */
  repo: string;
  /** Where task workspaces live; the workspace is `<scratchDir>/<taskId>/repo`. */
  scratchDir: string;
  taskId: string;
  /**
   * Where Warden keeps a mirror of each repository (`<dataDir>/mirrors`), from which workspaces are made
   * cheaply: only what is new is fetched from the user's repository. Undefined: no mirror, each workspace
   * fetches the whole of HEAD from the user's repository.
   */
  mirrorsDir?: string | undefined;
  /**
   * `resolveRepository(repo)` as the caller already read it, to spare a second read; HEAD moving since
   * only marks the workspace `dirty`. Undefined: read now.
   */
  resolved?: ResolvedRepository | undefined;
  /**
   * Make the workspace from `ref` of a git directory Warden made (a subtask's start, a combined change)
   * instead of the user's HEAD, with `commit` the commit `ref` names when known; the user's repository
   * is still resolved, for `landBranch`.
   */
  from?: { gitDir: string; ref: string; commit?: string | undefined } | undefined;
  /**
   * Called once the clone's longest step (the checkout, or the fetch without a mirror) is running: work
   * placed here (loading the policy engine) overlaps it instead of delaying the steps before it. Not
   * called when the clone fails first.
   */
  whileCloning?: (() => void) | undefined;
}

/** The branch a task's changes were brought into the user's repository as. */
export interface BranchResult {
  /** `warden/<taskId>`. */
  branch: string;
  /** The commit the branch points at. */
  commit: string;
  stat: DiffStat;
  /**
   * Paths of the workspace the commit leaves out, and why: nested `.git` entries, symbolic links that
   * lead out of the workspace or into `.git`, content in a submodule's directory, special files. A path
   * the base commit had keeps its base version. Empty when everything went in.
   */
  skipped: SkippedPath[];
}

/**
 * What a change must pass before it lands in the user's repository: called with the lines it adds
 * (read from Warden's private git directory, as data); `false` keeps it out.
 */
export type ChangeScreen = (added: readonly AddedLine[]) => Promise<boolean>;

/** How a change lands. */
export interface LandOptions {
  /** Looked at before the branch is made; undefined: none. */
  screen?: ChangeScreen | undefined;
}

/** A private clone of the user's HEAD that an agent may change freely. */
export interface Workspace {
  /** Absolute path of the clone's work tree. */
  readonly dir: string;
  /** The commit the workspace was checked out at (the user's HEAD). */
  readonly baseCommit: string;
  /** Whether the user's work tree had uncommitted changes; those are not in the workspace. */
  readonly dirty: boolean;
  /**
   * Settles once the workspace's `.git/index` is fresh (see `writeFreshGitIndex`), which a new
   * workspace finishes after `createWorkspace` returns, so that the task's other start-up work overlaps
   * it. Nothing may write to the workspace before: the refresh vouches that no file changed since the
   * checkout. Rejects with the refresh's `git-failed` error; `createBranch` and `diffStat` wait for it.
   */
  readonly ready: Promise<void>;
  /**
   * Commits everything in the workspace as the agent, with `message` (trailers included) verbatim, and
   * fetches that commit into the user's repository as `warden/<taskId>` without touching the user's work
   * tree, index or HEAD. Files ignored by the workspace's `.gitignore` files stay out, as with
   * `git add --all`. No git runs on the workspace as a work tree: the commit is built from the files as
   * data, in a git directory the sandbox never sees, and what had to be left out is in `skipped`.
   * Returns `null` when nothing that may be committed changed (left-out paths alone make no branch),
   * or when `options.screen` kept the change out (nothing of it reached the user's repository).
   *
   * A branch an interrupted run of the same task saved already (its commit names the task in its
   * trailers) is replaced, and only while it still points there.
   *
   * @throws SystemError `git-failed` when committing or fetching fails (for example when the branch
   *   already exists and points elsewhere, or is checked out).
   */
  createBranch(taskId: string, message: string, options?: LandOptions): Promise<BranchResult | null>;
  /**
   * Commits everything in the workspace as `createBranch` does, into `<taskDir>/result.git` (kept until
   * `destroy`), without landing it anywhere: `commit` is `null` when nothing changed.
   */
  commit(message: string): Promise<{ gitDir: string; commit: string | null; skipped: SkippedPath[] }>;
  /**
   * Brings `commit` of `gitDir` (a chain of commits on the base commit, made by Warden) into the user's
   * repository as `warden/<taskId>`, as `createBranch` does; the stat counts it against the base commit.
   * `null` when `options.screen` kept it out (the screen sees what it adds to the base commit).
   *
   * @throws SystemError `git-failed` as `createBranch` does.
   */
  landBranch(
    taskId: string,
    source: { gitDir: string; commit: string },
    options?: LandOptions,
  ): Promise<BranchResult | null>;
  /**
   * The change the workspace holds against its base commit, counted as `createBranch` would commit it
   * (the same rules, in a private git directory removed afterwards), without making a branch; `null`
   * when nothing that may be committed changed.
   *
   * @throws SystemError `git-failed` when building the commit fails.
   */
  diffStat(): Promise<DiffStat | null>;
  /**
   * Takes the workspace and everything under `<scratchDir>/<taskId>` away: renamed at once out of the
   * task's path (to `<scratchDir>/.discarded/`, under a name no other task's directory can have), then
   * deleted by a process that does not hold this one up. What a deletion leaves (a process killed
   * first) is deleted when the next task starts.
   */
  destroy(): Promise<void>;
}

const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

function checkTaskId(taskId: string): void {
  if (!TASK_ID_PATTERN.test(taskId)) {
    throw new UserError('usage', `task id ${JSON.stringify(taskId)} cannot name a workspace or a branch`, {
      hint: 'use letters, digits, "-" and "_" only (at most 128 characters)',
    });
  }
}

/**
 * Settings that empty every filter driver the repository configures, so that `status` compares content
 * without running a clean filter the repository's config names (which could be any command).
 */
async function neutralizeFilters(workTree: string): Promise<Record<string, string>> {
  const { stdout } = await runGit(
    ['config', '--null', '--get-regexp', '^filter\\..*\\.(clean|smudge|process)$'],
    {
      cwd: workTree,
    },
  ).catch(() => ({ stdout: '' }));
  const settings: Record<string, string> = {};
  for (const record of stdout.split('\0')) {
    const key = record.split('\n')[0];
    if (!key) continue;
    const name = key.slice('filter.'.length, key.lastIndexOf('.'));
    for (const field of ['clean', 'smudge', 'process']) settings[`filter.${name}.${field}`] = '';
    settings[`filter.${name}.required`] = 'false';
  }
  return settings;
}

async function isDirty(workTree: string): Promise<boolean> {
  const config = await neutralizeFilters(workTree);
  const { stdout } = await runGit(['status', '--porcelain', '--ignore-submodules=all'], {
    cwd: workTree,
    config,
  });
  return stdout.trim() !== '';
}

/**
 * Makes a fresh workspace for a task: a clone of the user's HEAD at `<scratchDir>/<taskId>/repo`, made
 * from the repository's mirror when `mirrorsDir` is set. Its `.git/index` is made fresh, so that
 * `git status` on the sandbox's read-only `.git` re-hashes nothing, after this returns: wait for
 * `ready` before anything touches the files. The user's checkout is only read;
 * uncommitted changes are not included (see `dirty`). No hook, fsmonitor or filter of the user's
 * repository runs.
 *
 * @throws UserError `repo-invalid` when `repo` is not the root of a git work tree with a commit;
 *   `usage` when `taskId` cannot name a directory and a branch, or its workspace already exists.
 * @throws SystemError `git-failed` when cloning fails.
 */
export async function createWorkspace(settings: WorkspaceSettings): Promise<Workspace> {
  checkTaskId(settings.taskId);
  const {
    root: workTree,
    head: headBefore,
    commonDir,
  } = settings.resolved ?? (await resolveRepository(settings.repo));
  const { from } = settings;
  // Read alongside the clone: both only read the user's repository, and each takes a large one a while.
  const dirtyCheck = from ? Promise.resolve(false) : isDirty(workTree);
  dirtyCheck.catch(() => {});

  const taskDir = path.join(path.resolve(settings.scratchDir), settings.taskId);
  await mkdir(path.dirname(taskDir), { recursive: true });
  // Earlier tasks' directories that a killed process or a failed deletion left behind.
  sweepDiscardedWorkspaces(settings.scratchDir).catch(() => {});
  try {
    await mkdir(taskDir);
  } catch (error) {
    throw new UserError('usage', `a workspace for task ${settings.taskId} already exists at ${taskDir}`, {
      cause: error,
      hint: 'use a new task id, or remove the old workspace',
    });
  }
  const dir = path.join(taskDir, 'repo');
  let baseCommit: string;
  let dirty: boolean;
  try {
    baseCommit = from
      ? await cloneRef(from.gitDir, from.ref, dir, headBefore.length === 64 ? 'sha256' : 'sha1', from.commit)
      : await cloneWorkspace({
          workTree,
          dir,
          taskId: settings.taskId,
          head: headBefore,
          mirrorsDir: settings.mirrorsDir,
          whileCloning: settings.whileCloning,
        });
    dirty = await dirtyCheck;
  } catch (error) {
    await rm(taskDir, { recursive: true, force: true });
    throw error;
  }
  // HEAD moving between the two reads is harmless: the workspace records what it actually got.
  const changedDuringClone = !from && baseCommit !== headBefore;
  const ready = writeFreshGitIndex(dir);
  ready.catch(() => {});

  return workspaceAt({
    workTree,
    commonDir,
    taskDir,
    baseCommit,
    dirty: dirty || changedDuringClone,
    ready,
  });
}

/**
 * Opens the workspace a paused task left behind (`<scratchDir>/<taskId>/repo`), with the agent's changes
 * so far, so the task can go on where it stopped.
 *
 * @throws UserError `repo-invalid` when the user's repository is gone; `task-not-resumable` when the
 *   workspace is gone.
 */
export async function reopenWorkspace(settings: WorkspaceSettings): Promise<Workspace> {
  checkTaskId(settings.taskId);
  const { root: workTree, commonDir } = await resolveRepository(settings.repo);
  const taskDir = path.join(path.resolve(settings.scratchDir), settings.taskId);
  let baseCommit: string;
  try {
    // The workspace's own git directory, named outright: nothing the agent wrote is searched for one.
    const gitDir = path.join(taskDir, 'repo', '.git');
    baseCommit = (
      await runGit(['rev-parse', '--verify', `${BASE_REF}^{commit}`], {
        cwd: taskDir,
        env: { GIT_DIR: gitDir },
      })
    ).stdout.trim();
  } catch (error) {
    throw new UserError(
      'task-not-resumable',
      `the workspace of task ${settings.taskId} is gone (${taskDir})`,
      {
        cause: error,
        hint: 'start the task again with `warden run`',
      },
    );
  }
  return workspaceAt({ workTree, commonDir, taskDir, baseCommit, dirty: false, ready: Promise.resolve() });
}

/**
 * Fetches the result commit into the user's repository as `branch`, the general way: used whenever the
 * pack cannot simply be added ({@link landResultBranch}), and it says why when it fails too.
 */
async function fetchResultBranch(
  workTree: string,
  gitDir: string,
  branch: string,
  commit: string,
  ref = RESULT_REF,
) {
  await runGit(
    [
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-write-fetch-head',
      '--no-recurse-submodules',
      gitDir,
      `${ref}:refs/heads/${branch}`,
    ],
    { cwd: workTree },
  );
  const landed = (
    await runGit(['rev-parse', '--verify', `refs/heads/${branch}^{commit}`], { cwd: workTree })
  ).stdout.trim();
  if (landed !== commit) {
    throw new SystemError('git-failed', `branch ${branch} points at ${landed}, expected ${commit}`);
  }
}

/** The workspace object over a clone at `<taskDir>/repo` of the user's work tree. */
function workspaceAt(settings: {
  workTree: string;
  /** The user's common git directory; undefined: not known, the result is fetched. */
  commonDir: string | undefined;
  taskDir: string;
  baseCommit: string;
  dirty: boolean;
  ready: Promise<void>;
}): Workspace {
  const dir = path.join(settings.taskDir, 'repo');
  const { workTree, taskDir } = settings;
  // What the result is built against, read once the index is fresh, off the result's path; a failure
  // is met, and read again, by the result itself.
  const resultBase = settings.ready.then(() => readResultBase(dir, settings.baseCommit));
  resultBase.catch(() => {});
  const baseOnce = () => resultBase.catch(() => readResultBase(dir, settings.baseCommit));
  const commitAll = async (message: string) => {
    await settings.ready;
    // Next to the workspace, not in it: the sandbox mounts only `repo`, so it can neither see nor
    // write this git directory or its config.
    // It goes with the rest of the task's directory (`destroy`), off the result's path.
    const gitDir = path.join(taskDir, 'result.git');
    const { commit, skipped } = await writeResultCommit({
      workspaceDir: dir,
      gitDir,
      baseCommit: settings.baseCommit,
      message,
      identity: AGENT_IDENTITY,
      base: baseOnce(),
    });
    return { gitDir, commit, skipped };
  };
  return {
    dir,
    baseCommit: settings.baseCommit,
    dirty: settings.dirty,
    ready: settings.ready,
    commit: commitAll,
    async landBranch(taskId, source, options = {}) {
      checkTaskId(taskId);
      if (
        options.screen &&
        !(await options.screen(await readAddedLines(source.gitDir, source.commit, settings.baseCommit)))
      )
        return null;
      const branch = `warden/${taskId}`;
      const ref = `refs/warden/land-${taskId}`;
      await runGit(['update-ref', ref, source.commit], {
        cwd: source.gitDir,
        env: { GIT_DIR: source.gitDir },
      });
      const stat = readDiffStat(source.gitDir, source.commit, settings.baseCommit);
      stat.catch(() => {});
      await fetchResultBranch(workTree, source.gitDir, branch, source.commit, ref);
      return { branch, commit: source.commit, stat: await stat, skipped: [] };
    },
    async createBranch(taskId, message, options = {}) {
      checkTaskId(taskId);
      const { gitDir, commit, skipped } = await commitAll(message);
      if (commit === null) return null;
      // Before anything reaches the user's repository (an earlier result dropped included).
      if (options.screen && !(await options.screen(await readAddedLines(gitDir, commit)))) return null;
      const branch = `warden/${taskId}`;
      await dropEarlierResult(workTree, taskId, branch);
      // Counted in the private directory while the user's repository fetches: neither writes the other.
      const stat = readDiffStat(gitDir, commit);
      stat.catch(() => {});
      const landed =
        settings.commonDir !== undefined &&
        (await landResultBranch({
          workTree,
          commonDir: settings.commonDir,
          gitDir,
          commit,
          baseCommit: settings.baseCommit,
          branch,
        }));
      if (!landed) await fetchResultBranch(workTree, gitDir, branch, commit);
      return { branch, commit, stat: await stat, skipped };
    },
    async diffStat() {
      await settings.ready;
      const gitDir = path.join(taskDir, 'probe.git');
      try {
        const { commit } = await writeResultCommit({
          workspaceDir: dir,
          gitDir,
          baseCommit: settings.baseCommit,
          message: 'probe',
          identity: AGENT_IDENTITY,
          base: baseOnce(),
        });
        return commit === null ? null : await readDiffStat(gitDir, commit);
      } finally {
        await rm(gitDir, { recursive: true, force: true });
      }
    },
    async destroy() {
      await discardTaskDir(path.dirname(taskDir), taskDir);
    },
  };
}
