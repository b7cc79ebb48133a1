import path from 'node:path';
import {
  AGENT_IDENTITY,
  BASE_REF,
  type ChainConflict,
  type ChainLink,
  chainCommits,
  createChainGitDir,
  createWorkspace,
  type ResolvedRepository,
  resolveRepository,
  runGit,
  sealChain,
  setAlternates,
  type Workspace,
} from '../sandbox/index.ts';
import type { StopReason, Task } from '../spec/types.ts';
import { createCommandCheck } from './command-check.ts';
import { openTaskSandbox } from './internal/open-task-sandbox.ts';
import type { CheckCommand } from './resolve-check-command.ts';
import type { ChildOutcome, ChildStart } from './run-child.ts';
import type { TaskRuntime } from './task-runtime.ts';

/** Where the combined change is kept in the tree's git directory. */
const COMBINED_REF = 'refs/warden/combined';

/** How combining the children's changes ended: a change to land, or why nothing lands. */
export type Combined =
  | { ok: true; detail: string; result: { gitDir: string; commit: string } | undefined }
  | { ok: false; stopReason: StopReason; detail: string };

/**
 * The children of one task that work in workspaces of their own (an orchestrator's subtasks, a swarm's
 * roles), and the private git directory (`<taskDir>/plan.git`) where their changes are chained: it
 * reads the task workspace's objects and each child's result as alternates, never the user's
 * repository. Call `destroy` when the task is done with the children's workspaces.
 */
export class ChildTree {
  readonly gitDir: string;
  readonly resolved: ResolvedRepository;
  readonly #workspace: Workspace;
  readonly #stores: string[];
  readonly #workspaces: Workspace[] = [];

  private constructor(workspace: Workspace, resolved: ResolvedRepository) {
    this.#workspace = workspace;
    this.resolved = resolved;
    this.gitDir = path.join(path.dirname(workspace.dir), 'plan.git');
    this.#stores = [path.join(workspace.dir, '.git', 'objects')];
  }

  /** The tree over the task's workspace (only read: every child starts from a copy). */
  static async create(task: Task, workspace: Workspace): Promise<ChildTree> {
    const tree = new ChildTree(workspace, await resolveRepository(task.repo));
    await createChainGitDir(
      tree.gitDir,
      workspace.baseCommit.length === 64 ? 'sha256' : 'sha1',
      tree.#stores,
    );
    return tree;
  }

  /** Where a child without dependencies starts: the task's base commit. */
  get base(): ChildStart {
    return { gitDir: this.#workspace.dir, ref: BASE_REF, commit: this.#workspace.baseCommit };
  }

  /** Keeps a child's workspace until `destroy`, and reads its change from then on. */
  add(outcome: ChildOutcome): void {
    if (outcome.workspace) this.#workspaces.push(outcome.workspace);
    if (outcome.change) this.#stores.push(path.join(outcome.change.gitDir, 'objects'));
  }

  /** The paths `link` changes. */
  async changedPaths(link: ChainLink): Promise<string[]> {
    await setAlternates(this.gitDir, this.#stores);
    const { stdout } = await runGit(
      ['diff-tree', '-r', '-z', '--name-only', '--no-renames', link.start, link.result],
      { cwd: this.gitDir, env: { GIT_DIR: this.gitDir } },
    );
    return stdout.split('\0').filter((name) => name !== '');
  }

  /** Where a dependent child starts: `links` applied on the base, kept at `ref`. */
  async startFrom(
    links: readonly ChainLink[],
    ref: string,
  ): Promise<ChildStart | { conflict: ChainConflict }> {
    await setAlternates(this.gitDir, this.#stores);
    const chain = await chainCommits({
      gitDir: this.gitDir,
      base: this.#workspace.baseCommit,
      links,
      ref,
      identity: AGENT_IDENTITY,
    });
    if ('conflict' in chain) return chain;
    return { gitDir: this.gitDir, ref, commit: chain.commit };
  }

  /**
   * The children's changes applied in order on the base, one commit each, then `check` on the result in
   * a fresh workspace and sandbox, journaled as the task's own `check` (step `step`). Only when both
   * hold is there a change to land (packed into the tree's git directory, which then needs only the
   * task's workspace). `passed` says what passed, for the detail; `kind` names the children.
   */
  async combine(settings: {
    runtime: TaskRuntime;
    task: Task;
    links: readonly ChainLink[];
    check: CheckCommand | null;
    step: number;
    passed: string;
    kind: string;
  }): Promise<Combined> {
    const { runtime, task, check } = settings;
    await setAlternates(this.gitDir, this.#stores);
    const chain = await chainCommits({
      gitDir: this.gitDir,
      base: this.#workspace.baseCommit,
      links: settings.links,
      ref: COMBINED_REF,
      identity: AGENT_IDENTITY,
    });
    if ('conflict' in chain) {
      return {
        ok: false,
        stopReason: 'error',
        detail: `${conflictText(chain.conflict, settings.kind)}; nothing is applied`,
      };
    }
    if (check) {
      const combined = await createWorkspace({
        repo: task.repo,
        scratchDir: runtime.scratchDir,
        taskId: `${task.id}_all`,
        from: { gitDir: this.gitDir, ref: COMBINED_REF, commit: chain.commit },
        resolved: this.resolved,
      });
      this.#workspaces.push(combined);
      const verdict = await runCheckOn(runtime, task, combined, check, settings.step);
      if (!verdict.passed) {
        return {
          ok: false,
          stopReason: 'check-failed',
          detail: `${settings.passed}, but their combined change fails ${check.command} (${verdict.summary}); nothing is applied\n${verdict.output}`,
        };
      }
    }
    // The chain must outlive the children's directories: its new objects are packed into it.
    await sealChain(this.gitDir, chain.commit, this.#workspace.baseCommit, [this.#stores[0]!]);
    const verified = check ? ` and their combined change passes ${check.command}` : '';
    return {
      ok: true,
      detail: `${settings.passed}${verified} (${chain.committed.length} commit(s))`,
      result: chain.committed.length > 0 ? { gitDir: this.gitDir, commit: chain.commit } : undefined,
    };
  }

  /** Removes every child's workspace (the combined change, once sealed, does not need them). */
  async destroy(): Promise<void> {
    await Promise.all(this.#workspaces.map((workspace) => workspace.destroy().catch(() => {})));
  }
}

/** `the changes of subtask a and subtask b conflict in x.ts`. */
export function conflictText(conflict: ChainConflict, kind: string): string {
  const others = conflict.with.length > 0 ? `${kind} ${conflict.with.join(', ')} and ` : '';
  return `the changes of ${others}${kind} ${conflict.name} conflict in ${conflict.paths.slice(0, 5).join(', ')}`;
}

/** The task's check on `workspace`, in a sandbox of its own, journaled as the task's `check`. */
async function runCheckOn(
  runtime: TaskRuntime,
  task: Task,
  workspace: Workspace,
  command: CheckCommand,
  step: number,
): Promise<{ passed: boolean; summary: string; output: string }> {
  await workspace.ready;
  const { sandbox, connectionsJournaled } = await openTaskSandbox({
    driver: runtime.sandbox,
    journal: runtime.journal,
    taskId: task.id,
    workspace,
    limits: runtime.sandboxLimits,
    protectedPaths: runtime.protectedPaths,
    egress: runtime.egress,
    taint: runtime.taint,
  });
  try {
    const check = createCommandCheck({
      command: command.command,
      execute: (line) =>
        sandbox.exec(line, {
          timeoutMs: runtime.maxCommandTimeoutMs,
          maxOutputBytes: runtime.maxOutputBytes,
          fresh: true,
        }),
      higher: [],
      outputChars: runtime.toolOutputChars,
      // A child that rewrote what defines a detected check made it verify nothing: it fails unrun.
      definition:
        command.definition === undefined
          ? undefined
          : { fingerprint: command.definition, source: command.source, workspaceDir: workspace.dir },
    });
    const result = await check.run();
    await runtime.journal.append(task.id, 'check', {
      step,
      check: check.name,
      passed: result.passed,
      summary: result.summary,
      output: result.output,
    });
    return result;
  } finally {
    await sandbox.destroy().catch(() => {});
    await connectionsJournaled().catch(() => {});
  }
}

/** The output of a child's last check, as journaled; empty when none ran. */
export async function lastCheckOutput(runtime: TaskRuntime, taskId: string, child: string): Promise<string> {
  const events = await runtime.journal.events(taskId);
  const check = events.findLast((event) => event.type === 'check' && event.child === child);
  return check?.type === 'check' ? `${check.check}: ${check.summary}\n${check.output}`.trim() : '';
}

/** A commit subject from a goal or a role's instructions: their first line, at most 60 characters. */
export function commitSubject(name: string, text: string): string {
  const line = text.split('\n')[0]!.trim();
  return `${name}: ${line.length > 60 ? `${line.slice(0, 57)}...` : line}`;
}
