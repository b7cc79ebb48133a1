import type { TaskGuard } from '../guard/index.ts';
import type { ChainLink, Workspace } from '../sandbox/index.ts';
import { taskTrailers } from '../spec/task-trailers.ts';
import type { Task } from '../spec/types.ts';
import { ChildTree, commitSubject, lastCheckOutput } from './child-tree.ts';
import { withLocalization } from './localize-step.ts';
import type { LoopStop } from './loop-stop.ts';
import type { CheckCommand } from './resolve-check-command.ts';
import { type ChildOutcome, childEndFields, runChild } from './run-child.ts';
import type { OrchestratorEnd } from './run-orchestrator.ts';
import { SwarmBoard } from './swarm-board.ts';
import type { SwarmRuntime, TaskRuntime } from './task-runtime.ts';

export interface SwarmSettings {
  runtime: TaskRuntime & { swarm: SwarmRuntime };
  task: Task;
  /** The task's own workspace: every role starts from a copy of it; it is never changed. */
  workspace: Workspace;
  guard: TaskGuard;
  /** The task's check, run on the merged change; `null`: none (the task ends unverified). */
  check: CheckCommand | null;
  /** Localizes the task once, before the roles start (`localizeFirstTurn`); undefined: none. */
  localize?: (() => Promise<string | undefined>) | undefined;
}

type RoleOutcome = ChildOutcome & { role: string };

/**
 * The swarm: every role runs at once, each a loop in a workspace and sandbox of its own from the base
 * commit, around a shared board (`scratchpad` notes and `claim`s; a role's write to a path another role
 * claimed is refused). A coordinator ends the swarm when every role is done, when one fails (the others
 * are stopped), or on deadlock: `stallSteps` model calls across the roles with no progress. The roles'
 * changes then merge in role order, one commit each: a change to a path another role claimed, or two
 * changes to the same lines, fail the merge naming both roles; then the task's check must pass on the
 * merge. Only then is there a `result`. Every model call is charged to the task's guard.
 */
export async function runSwarm(settings: SwarmSettings): Promise<OrchestratorEnd> {
  const { runtime, task, workspace, guard } = settings;
  const { roles, stallSteps } = runtime.swarm;
  const started = performance.now();
  const maxWallSeconds = () =>
    Math.max(0, runtime.limits.maxWallSeconds - (performance.now() - started) / 1000);
  // Once for the swarm, before any role: every role's first message shows the same files.
  const localization = await settings.localize?.();
  const board = new SwarmBoard();
  const tree = await ChildTree.create(task, workspace);
  const coordinator = new AbortController();
  const stopAll = (stop: LoopStop) => {
    if (!coordinator.signal.aborted) coordinator.abort(stop);
  };
  // Deadlock: model calls go on across the roles while nothing moves forward.
  let calls = 0;
  let lastProgress = board.progress;
  const unsubscribe = runtime.journal.subscribe((event) => {
    if (event.taskId !== task.id || !event.child?.startsWith('role:')) return;
    if (
      event.type === 'tool-call-end' &&
      !event.isError &&
      (event.tool === 'write_file' || event.tool === 'edit_file')
    )
      board.advance();
    if (event.type !== 'model-response') return;
    if (board.progress !== lastProgress) {
      lastProgress = board.progress;
      calls = 0;
    }
    calls += 1;
    if (calls >= stallSteps) {
      stopAll({
        stopReason: 'stuck',
        detail: `the swarm is deadlocked: ${stallSteps} model calls across its roles made no progress (no write, claim, note or role done)`,
      });
    }
  });
  const names = roles.map((role) => role.name);
  try {
    const outcomes = await Promise.all(
      roles.map(async (role, index): Promise<RoleOutcome> => {
        const prompt = withLocalization(localization, rolePrompt(task.prompt, role.name, role.prompt, names));
        const outcome = await runChild({
          runtime,
          task,
          guard,
          start: tree.base,
          resolved: tree.resolved,
          message: `${commitSubject(role.name, role.prompt)}\n\n${taskTrailers(task.id)}`,
          maxWallSeconds,
          spec: {
            child: `role:${role.name}`,
            slot: `r${index + 1}`,
            prompt,
            check: role.check ?? null,
            models: role.models,
            tools: role.tools,
            maxSteps: role.maxSteps,
            extraTools: board.toolsFor(role.name),
            decider: board.deciderFor(role.name),
            signal: coordinator.signal,
            started: (journal, child, model) =>
              journal.append(task.id, 'role-start', {
                role: role.name,
                startCommit: child.baseCommit,
                model: model.label,
                prompt,
              }),
            ended: (journal, ended) =>
              journal.append(task.id, 'role-end', { role: role.name, ...childEndFields(ended) }),
          },
        });
        tree.add(outcome);
        if (outcome.passed) board.advance();
        // One role failing fails the swarm: the others stop before their next model call.
        else stopAll({ stopReason: 'error', detail: `role ${role.name} failed, so the swarm stopped` });
        return { ...outcome, role: role.name };
      }),
    );
    const steps = outcomes.reduce((sum, outcome) => sum + outcome.steps, 0);
    const finalText = outcomes.map((outcome) => `${outcome.role}: ${outcome.finalText}`).join('\n');
    // The first failure that was not the coordinator stopping the others.
    const stopped = coordinator.signal.reason as LoopStop | undefined;
    const failure =
      outcomes.find((outcome) => !outcome.passed && outcome.detail !== stopped?.detail) ??
      outcomes.find((outcome) => !outcome.passed);
    if (failure) {
      const output = await lastCheckOutput(runtime, task.id, `role:${failure.role}`);
      const why =
        failure.detail === stopped?.detail
          ? stopped.detail
          : `role ${failure.role} failed: ${failure.detail}`;
      return {
        stopReason: failure.stopReason === 'finished' ? 'error' : failure.stopReason,
        detail: `${why}; nothing is applied${output ? `\n${output}` : ''}`,
        steps,
        finalText,
      };
    }
    const links: ChainLink[] = outcomes.flatMap((outcome) =>
      outcome.change
        ? [
            {
              name: outcome.role,
              start: workspace.baseCommit,
              result: outcome.change.commit,
              message: commitSubject(outcome.role, roles.find((role) => role.name === outcome.role)!.prompt),
            },
          ]
        : [],
    );
    const trespass = await claimTrespass(tree, links, board);
    if (trespass) return { stopReason: 'error', detail: `${trespass}; nothing is applied`, steps, finalText };
    const merged = await tree.combine({
      runtime,
      task,
      links,
      check: settings.check,
      step: steps,
      passed: `all ${roles.length} roles finished`,
      kind: 'role',
    });
    if (!merged.ok) return { stopReason: merged.stopReason, detail: merged.detail, steps, finalText };
    return { stopReason: 'finished', detail: merged.detail, steps, finalText, result: merged.result };
  } finally {
    unsubscribe();
    await tree.destroy();
  }
}

/**
 * A role's change to a path another role claimed (by a command, which the claim check on file tools
 * does not see), named with both roles; undefined when every change keeps to its claims.
 */
async function claimTrespass(
  tree: ChildTree,
  links: readonly ChainLink[],
  board: SwarmBoard,
): Promise<string | undefined> {
  if (board.claims().size === 0) return undefined;
  for (const link of links) {
    for (const changed of await tree.changedPaths(link)) {
      const held = board.heldByOther(link.name, changed);
      if (held)
        return `role ${link.name} changed ${changed}, which role ${held.role} claimed (${held.target})`;
    }
  }
  return undefined;
}

/** What a role is told: the task, its part, who else works, and how to coordinate. */
function rolePrompt(prompt: string, role: string, part: string, names: readonly string[]): string {
  return [
    prompt,
    `You are the role ${role} in a swarm of roles working on this task at once: ${names.join(', ')}. Each works in its own copy of the repository; your changes are merged with theirs when all are done.`,
    `Your part:\n${part}`,
    'Coordinate through `scratchpad` (read the notes; add one with `note`) and `claim` (claim a file or directory before you change it; you cannot write what another role claimed: ask it through a note instead). Change only what your part needs, then finish with a one-line summary.',
  ].join('\n\n');
}
