import { PLANNER_TOOL_NAMES } from '../config/agents-schema.ts';
import type { TaskGuard } from '../guard/index.ts';
import type { ChainLink, Workspace } from '../sandbox/index.ts';
import { describeError } from '../spec/errors.ts';
import type { PlannedSubtask } from '../spec/journal-events.ts';
import { taskTrailers } from '../spec/task-trailers.ts';
import type { Task } from '../spec/types.ts';
import { ChildTree, commitSubject, conflictText, lastCheckOutput } from './child-tree.ts';
import { withLocalization } from './localize-step.ts';
import { type LoopPlace, loopRunner } from './loop-runner.ts';
import type { LoopStop } from './loop-stop.ts';
import { createPlanTool, decidePlan, type PlanHolder } from './plan-tool.ts';
import type { CheckCommand } from './resolve-check-command.ts';
import { type ChildOutcome, childEndFields, runChild } from './run-child.ts';
import type { TaskRuntime } from './task-runtime.ts';

/** How one subtask ended. */
type SubtaskOutcome = ChildOutcome & { subtask: PlannedSubtask };

export interface OrchestratorSettings {
  runtime: TaskRuntime & { orchestrator: NonNullable<TaskRuntime['orchestrator']> };
  task: Task;
  /** The task's own workspace: the planner reads it; it is never changed. */
  workspace: Workspace;
  /** Runs a command in the task's own sandbox (the planner's). */
  execute: LoopPlace['execute'];
  guard: TaskGuard;
  /** The task's check, run on the combined change; `null`: none (the task ends unverified). */
  check: CheckCommand | null;
  /** Localizes the task once, for the planner's first message (`localizeFirstTurn`); undefined: none. */
  localize?: (() => Promise<string | undefined>) | undefined;
}

/** How an orchestration ended; `result` is the chain of subtask commits to land, when it may land. */
export interface OrchestratorEnd extends LoopStop {
  steps: number;
  finalText: string;
  result?: { gitDir: string; commit: string } | undefined;
}

/**
 * The orchestrator: the planner reads the task's workspace and calls `plan`; each subtask then runs in a
 * workspace and sandbox of its own from the base commit (a dependent one from its dependencies'
 * changes), up to `maxParallel` at once, and passes only when its check passes. The passed subtasks'
 * changes are applied in plan order as one commit each, and the task's check must pass on the result
 * in a fresh workspace. Only then is there a `result`; on any failure there is none, and nothing of the
 * user's repository is touched. Every model call of the tree is charged to the task's guard.
 */
export async function runOrchestrator(settings: OrchestratorSettings): Promise<OrchestratorEnd> {
  const { runtime, task, workspace, guard } = settings;
  const { orchestrator, journal } = runtime;
  const started = performance.now();
  const maxWallSeconds = () =>
    Math.max(0, runtime.limits.maxWallSeconds - (performance.now() - started) / 1000);

  const holder: PlanHolder = { plan: undefined };
  // The planner reads first: the localizer's files go before its task (workers get their subtask's goal).
  const localization = await settings.localize?.();
  const planner = await loopRunner(runtime, task, guard, {
    workspaceDir: workspace.dir,
    execute: settings.execute,
    journal: journal.forChild('planner'),
    // Nobody is asked mid-plan: a call that needs a human is refused.
    approvals: null,
  })({
    prompt: withLocalization(
      localization,
      plannerPrompt(task.prompt, orchestrator.planner.prompt, settings.check),
    ),
    model: runtime.model,
    higherTiers: [],
    check: null,
    tools: orchestrator.planner.tools ?? PLANNER_TOOL_NAMES,
    maxSteps: Math.min(runtime.limits.maxSteps, orchestrator.planner.maxSteps ?? Number.POSITIVE_INFINITY),
    maxWallSeconds: maxWallSeconds(),
    extraTools: [createPlanTool(holder)],
    decider: (agent) => ({
      name: agent.name,
      decide: (call) => (call.name === 'plan' ? decidePlan(agent)(call) : agent.decide(call)),
    }),
  });
  let steps = planner.steps;
  const finalText = planner.finalText;
  if (planner.stopReason !== 'finished') return { ...planner, detail: `planner: ${planner.detail}` };
  const { plan } = holder;
  if (!plan) {
    return { stopReason: 'error', detail: 'the planner finished without calling plan', steps, finalText };
  }
  await journal.append(task.id, 'plan', { subtasks: plan });

  const tree = await ChildTree.create(task, workspace);
  const outcomes = new Map<string, SubtaskOutcome>();
  const starts = new Map<string, string>();
  const linkOf = (subtask: PlannedSubtask): ChainLink[] => {
    const change = outcomes.get(subtask.id)?.change;
    if (!change) return [];
    const message = commitSubject(subtask.id, subtask.goal);
    return [{ name: subtask.id, start: starts.get(subtask.id)!, result: change.commit, message }];
  };
  const { worker } = orchestrator;
  // The first failure stops the subtasks still running, before their next model call.
  const stopOthers = new AbortController();
  try {
    const failure = await schedule(
      plan,
      orchestrator.maxParallel,
      async (subtask, position) => {
        // A dependent subtask starts from its dependencies' changes (transitively, in plan order).
        const needed = dependenciesOf(plan, subtask);
        const start =
          needed.length === 0
            ? tree.base
            : await tree.startFrom(
                plan.filter((step) => needed.includes(step.id)).flatMap(linkOf),
                `refs/warden/start-${position}`,
              );
        if ('conflict' in start) {
          const outcome = { subtask, passed: false, stopReason: 'error' as const, steps: 0, finalText: '' };
          return { ...outcome, detail: conflictText(start.conflict, 'subtask') };
        }
        starts.set(subtask.id, start.commit);
        const outcome = await runChild({
          runtime,
          task,
          guard,
          start,
          resolved: tree.resolved,
          message: `${commitSubject(subtask.id, subtask.goal)}\n\n${taskTrailers(task.id)}`,
          maxWallSeconds,
          spec: {
            child: `subtask:${subtask.id}`,
            slot: String(position),
            prompt: subtaskPrompt(
              task.prompt,
              plan,
              subtask,
              worker.prompt,
              needed.map((id) => `Subtask ${id} finished: ${outcomes.get(id)?.finalText || 'done'}`),
            ),
            check: subtask.check,
            models: () => worker.models(subtask.id),
            tools: worker.tools,
            maxSteps: worker.maxSteps,
            signal: stopOthers.signal,
            started: (journal, child, model) =>
              journal.append(task.id, 'subtask-start', {
                subtask: subtask.id,
                goal: subtask.goal,
                check: subtask.check,
                dependsOn: subtask.dependsOn ?? [],
                startCommit: child.baseCommit,
                model: model.label,
              }),
            ended: (journal, ended) =>
              journal.append(task.id, 'subtask-end', { subtask: subtask.id, ...childEndFields(ended) }),
          },
        });
        tree.add(outcome);
        outcomes.set(subtask.id, { ...outcome, subtask });
        return { ...outcome, subtask };
      },
      (failed) =>
        stopOthers.abort({
          stopReason: 'error',
          detail: `subtask ${failed.subtask.id} failed, so the others stopped`,
        } satisfies LoopStop),
    );
    for (const outcome of outcomes.values()) steps += outcome.steps;
    if (failure) {
      const output = await lastCheckOutput(runtime, task.id, `subtask:${failure.subtask.id}`);
      return {
        stopReason: failure.stopReason === 'finished' ? 'error' : failure.stopReason,
        detail: `subtask ${failure.subtask.id} failed: ${failure.detail}; nothing is applied${output ? `\n${output}` : ''}`,
        steps,
        finalText,
      };
    }
    const combined = await tree.combine({
      runtime,
      task,
      links: plan.flatMap(linkOf),
      check: settings.check,
      step: steps,
      passed: `all ${plan.length} subtasks passed their checks`,
      kind: 'subtask',
    });
    if (!combined.ok) return { stopReason: combined.stopReason, detail: combined.detail, steps, finalText };
    return { stopReason: 'finished', detail: combined.detail, steps, finalText, result: combined.result };
  } finally {
    await tree.destroy();
  }
}

/**
 * Runs `run` for every subtask, each once every subtask it depends on passed, at most `maxParallel` at
 * once, in plan order. After the first failure (`onFailure`) nothing new starts, and the running ones
 * are waited for. Returns the first failure, or undefined when every subtask passed.
 */
async function schedule(
  plan: readonly PlannedSubtask[],
  maxParallel: number,
  run: (subtask: PlannedSubtask, position: number) => Promise<SubtaskOutcome>,
  onFailure: (failure: SubtaskOutcome) => void,
): Promise<SubtaskOutcome | undefined> {
  const pending = [...plan];
  const passed = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let failure: SubtaskOutcome | undefined;
  for (;;) {
    for (const subtask of [...pending]) {
      if (failure || running.size >= maxParallel) break;
      if (!(subtask.dependsOn ?? []).every((id) => passed.has(id))) continue;
      pending.splice(pending.indexOf(subtask), 1);
      const ran = run(subtask, plan.indexOf(subtask) + 1)
        .catch(
          (error: unknown): SubtaskOutcome => ({
            subtask,
            passed: false,
            stopReason: 'error',
            detail: describeError(error),
            steps: 0,
            finalText: '',
          }),
        )
        .then((outcome) => {
          if (outcome.passed) passed.add(subtask.id);
          else if (!failure) {
            failure = outcome;
            onFailure(outcome);
          }
          running.delete(subtask.id);
        });
      running.set(subtask.id, ran);
    }
    if (running.size === 0) return failure;
    await Promise.race(running.values());
  }
}

/** The subtask's dependencies, transitively, in plan order. */
function dependenciesOf(plan: readonly PlannedSubtask[], subtask: PlannedSubtask): string[] {
  const needed = new Set<string>();
  const visit = (ids: readonly string[]) => {
    for (const id of ids) {
      if (needed.has(id)) continue;
      needed.add(id);
      visit(plan.find((step) => step.id === id)?.dependsOn ?? []);
    }
  };
  visit(subtask.dependsOn ?? []);
  return plan.filter((step) => needed.has(step.id)).map((step) => step.id);
}

/** What the planner is told: the task, how to plan, and what verifies the whole. */
function plannerPrompt(prompt: string, instructions: string | undefined, check: CheckCommand | null): string {
  const parts = [
    prompt,
    [
      'You are the planner. Read what you need of the repository, then call `plan` once with the subtasks that together do this task.',
      'Each subtask is carried out by a worker that sees only its goal, in its own copy of the repository, and is done only when its check command exits 0: make each goal self-contained and each check specific to it.',
      'Independent subtasks run in parallel from the same commit; give a subtask `dependsOn` when it needs the changes of earlier ones. Subtasks that change the same lines cannot be combined.',
      check
        ? `When every subtask passes, their changes are applied in plan order and \`${check.command}\` must pass on the result.`
        : 'No check runs on the combined result, so the subtask checks are all that verify it.',
      'Do not change files yourself. After `plan`, finish with a one-line summary.',
    ].join('\n'),
  ];
  if (instructions) parts.push(instructions);
  return parts.join('\n\n');
}

/** What a worker is told: the task for context, its own subtask, and what its dependencies did. */
function subtaskPrompt(
  prompt: string,
  plan: readonly PlannedSubtask[],
  subtask: PlannedSubtask,
  instructions: string | undefined,
  handoffs: readonly string[],
): string {
  const parts = [
    `You are a worker on one subtask of a larger task. The task, for context:\n${prompt}`,
    `The plan's subtasks: ${plan.map((step) => step.id).join(', ')}. Other workers carry out the others; change only what your subtask needs.`,
    `Your subtask (${subtask.id}):\n${subtask.goal}`,
    `It is done when \`${subtask.check}\` exits 0; that check runs when you finish.`,
  ];
  if (handoffs.length > 0) {
    parts.push(
      `The subtasks yours depends on are done; their changes are in your workspace:\n\n${handoffs.join('\n\n')}`,
    );
  }
  if (instructions) parts.push(instructions);
  return parts.join('\n\n');
}
