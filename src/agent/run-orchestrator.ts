import path from 'node:path';
import { PLANNER_TOOL_NAMES } from '../config/agents-schema.ts';
import type { TaskGuard } from '../guard/index.ts';
import {
  AGENT_IDENTITY,
  type ChainLink,
  chainCommits,
  createChainGitDir,
  createWorkspace,
  resolveRepository,
  sealChain,
  setAlternates,
  type Workspace,
} from '../sandbox/index.ts';
import type { PlannedSubtask } from '../spec/journal-events.ts';
import type { Task } from '../spec/types.ts';
import { createCommandCheck } from './command-check.ts';
import { openTaskSandbox } from './internal/open-task-sandbox.ts';
import { type LoopPlace, loopRunner } from './loop-runner.ts';
import type { LoopStop } from './loop-stop.ts';
import { createPlanTool, decidePlan, type PlanHolder } from './plan-tool.ts';
import type { CheckCommand } from './resolve-check-command.ts';
import { runSubtask, type SubtaskOutcome, type SubtaskStart } from './run-subtask.ts';
import type { TaskRuntime } from './task-runtime.ts';

/** Where the workspace's base commit is kept (see `clone-workspace.ts`): a subtask without dependencies starts there. */
const BASE_REF = 'refs/warden/base';
/** Where the combined change is kept in the plan's git directory. */
const COMBINED_REF = 'refs/warden/combined';

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
  const planner = await loopRunner(runtime, task, guard, {
    workspaceDir: workspace.dir,
    execute: settings.execute,
    journal: journal.forChild('planner'),
    // Nobody is asked mid-plan: a call that needs a human is refused.
    approvals: null,
  })({
    prompt: plannerPrompt(task.prompt, orchestrator.planner.prompt, settings.check),
    model: runtime.model,
    higherTiers: [],
    check: null,
    tools: orchestrator.planner.tools ?? PLANNER_TOOL_NAMES,
    maxSteps: Math.min(runtime.limits.maxSteps, orchestrator.planner.maxSteps ?? Number.POSITIVE_INFINITY),
    maxWallSeconds: maxWallSeconds(),
    extraTools: [createPlanTool(holder)],
    decideExtra: decidePlan(runtime.createDecider(workspace.dir)),
  });
  let steps = planner.steps;
  const finalText = planner.finalText;
  if (planner.stopReason !== 'finished') return { ...planner, detail: `planner: ${planner.detail}` };
  const { plan } = holder;
  if (!plan) {
    return { stopReason: 'error', detail: 'the planner finished without calling plan', steps, finalText };
  }
  await journal.append(task.id, 'plan', { subtasks: plan });

  const taskDir = path.dirname(workspace.dir);
  const planGit = path.join(taskDir, 'plan.git');
  const baseStore = path.join(workspace.dir, '.git', 'objects');
  const stores = [baseStore];
  await createChainGitDir(planGit, workspace.baseCommit.length === 64 ? 'sha256' : 'sha1', stores);
  const outcomes = new Map<string, SubtaskOutcome>();
  const linkOf = (outcome: SubtaskOutcome, start: string): ChainLink | undefined =>
    outcome.change && {
      name: outcome.subtask.id,
      start,
      result: outcome.change.commit,
      message: `${outcome.subtask.id}: ${outcome.subtask.goal.split('\n')[0]}`,
    };
  const starts = new Map<string, string>();
  const children: Workspace[] = [];
  const resolved = await resolveRepository(task.repo);
  try {
    /** Where a subtask starts: the base, or its dependencies' changes (transitively, in plan order) on it. */
    const startOf = async (subtask: PlannedSubtask, position: number): Promise<SubtaskStart> => {
      const needed = dependenciesOf(plan, subtask);
      if (needed.length === 0) {
        return { gitDir: workspace.dir, ref: BASE_REF, commit: workspace.baseCommit };
      }
      const ref = `refs/warden/start-${position}`;
      await setAlternates(planGit, stores);
      const links = needed.flatMap((id) => {
        const link = linkOf(outcomes.get(id)!, starts.get(id)!);
        return link ? [link] : [];
      });
      const chain = await chainCommits({
        gitDir: planGit,
        base: workspace.baseCommit,
        links,
        ref,
        identity: AGENT_IDENTITY,
      });
      if ('conflict' in chain) throw new Error(conflictText(chain.conflict));
      return { gitDir: planGit, ref, commit: chain.commit };
    };

    const failure = await schedule(plan, orchestrator.maxParallel, async (subtask, position) => {
      let start: SubtaskStart;
      try {
        start = await startOf(subtask, position);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        const outcome: SubtaskOutcome = {
          subtask,
          passed: false,
          stopReason: 'error',
          detail,
          steps: 0,
          finalText: '',
        };
        outcomes.set(subtask.id, outcome);
        return outcome;
      }
      starts.set(subtask.id, start.commit);
      const outcome = await runSubtask({
        runtime,
        task,
        guard,
        subtask,
        position,
        start,
        resolved,
        plan,
        handoffs: dependenciesOf(plan, subtask).map(
          (id) => `Subtask ${id} finished: ${outcomes.get(id)?.finalText || 'done'}`,
        ),
        maxWallSeconds,
      });
      if (outcome.workspace) children.push(outcome.workspace);
      if (outcome.change) stores.push(path.join(outcome.change.gitDir, 'objects'));
      outcomes.set(subtask.id, outcome);
      return outcome;
    });
    for (const outcome of outcomes.values()) steps += outcome.steps;
    if (failure) {
      const output = await lastCheckOutput(runtime, task.id, failure.subtask.id);
      return {
        stopReason: failure.stopReason === 'finished' ? 'error' : failure.stopReason,
        detail: `subtask ${failure.subtask.id} failed: ${failure.detail}; nothing is applied${output ? `\n${output}` : ''}`,
        steps,
        finalText,
      };
    }

    await setAlternates(planGit, stores);
    const chain = await chainCommits({
      gitDir: planGit,
      base: workspace.baseCommit,
      links: plan.flatMap((subtask) => {
        const link = linkOf(outcomes.get(subtask.id)!, starts.get(subtask.id)!);
        return link ? [link] : [];
      }),
      ref: COMBINED_REF,
      identity: AGENT_IDENTITY,
    });
    if ('conflict' in chain) {
      return {
        stopReason: 'error',
        detail: `${conflictText(chain.conflict)}; nothing is applied`,
        steps,
        finalText,
      };
    }
    const passedAll = `all ${plan.length} subtasks passed their checks`;
    if (settings.check) {
      const combined = await createWorkspace({
        repo: task.repo,
        scratchDir: runtime.scratchDir,
        taskId: `${task.id}_all`,
        from: { gitDir: planGit, ref: COMBINED_REF, commit: chain.commit },
        resolved,
      });
      children.push(combined);
      const verdict = await runCombinedCheck(settings, combined, steps);
      if (!verdict.passed) {
        return {
          stopReason: 'check-failed',
          detail: `${passedAll}, but their combined change fails ${settings.check.command} (${verdict.summary}); nothing is applied\n${verdict.output}`,
          steps,
          finalText,
        };
      }
    }
    // The chain must outlive the subtasks' directories: its new objects are packed into it.
    await sealChain(planGit, chain.commit, workspace.baseCommit, [baseStore]);
    const verified = settings.check ? ` and their combined change passes ${settings.check.command}` : '';
    return {
      stopReason: 'finished',
      detail: `${passedAll}${verified} (${chain.committed.length} commit(s))`,
      steps,
      finalText,
      result: chain.committed.length > 0 ? { gitDir: planGit, commit: chain.commit } : undefined,
    };
  } finally {
    await Promise.all(children.map((child) => child.destroy().catch(() => {})));
  }
}

/**
 * Runs `run` for every subtask, each once every subtask it depends on passed, at most `maxParallel` at
 * once, in plan order. After the first failure nothing new starts; the running ones finish. Returns the
 * first failure, or undefined when every subtask passed.
 */
async function schedule(
  plan: readonly PlannedSubtask[],
  maxParallel: number,
  run: (subtask: PlannedSubtask, position: number) => Promise<SubtaskOutcome>,
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
      const ran = run(subtask, plan.indexOf(subtask) + 1).then((outcome) => {
        if (outcome.passed) passed.add(subtask.id);
        else failure ??= outcome;
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

function conflictText(conflict: { name: string; with: string[]; paths: string[]; detail: string }): string {
  const others = conflict.with.length > 0 ? `subtask ${conflict.with.join(', ')} and ` : '';
  return `the changes of ${others}subtask ${conflict.name} conflict in ${conflict.paths.slice(0, 5).join(', ')}`;
}

/** The output of the subtask's last check, as journaled; empty when none ran. */
async function lastCheckOutput(runtime: TaskRuntime, taskId: string, subtaskId: string): Promise<string> {
  const events = await runtime.journal.events(taskId);
  const check = events.findLast((event) => event.type === 'check' && event.child === `subtask:${subtaskId}`);
  return check?.type === 'check' ? `${check.check}: ${check.summary}\n${check.output}`.trim() : '';
}

/** The task's check on the combined change, in a sandbox over `combined`, journaled as the task's `check`. */
async function runCombinedCheck(
  settings: OrchestratorSettings,
  combined: Workspace,
  step: number,
): Promise<{ passed: boolean; summary: string; output: string }> {
  const { runtime, task } = settings;
  const command = settings.check!;
  await combined.ready;
  const { sandbox, connectionsJournaled } = await openTaskSandbox({
    driver: runtime.sandbox,
    journal: runtime.journal,
    taskId: task.id,
    workspace: combined,
    limits: runtime.sandboxLimits,
    protectedPaths: runtime.protectedPaths,
    egress: runtime.egress,
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
      // A subtask that rewrote what defines a detected check made it verify nothing: it fails unrun.
      definition:
        command.definition === undefined
          ? undefined
          : { fingerprint: command.definition, source: command.source, workspaceDir: combined.dir },
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
