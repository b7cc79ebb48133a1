import type { TaskGuard } from '../guard/index.ts';
import type { Workspace } from '../sandbox/index.ts';
import { describeError, UserError } from '../spec/errors.ts';
import type { Sandbox } from '../spec/sandbox.ts';
import type { Task } from '../spec/types.ts';
import { errorCode } from './internal/error-code.ts';
import { localizeFirstTurn, withLocalization } from './localize-step.ts';
import { loopRunner } from './loop-runner.ts';
import { runPreChecks } from './pre-checks.ts';
import type { ResumeState } from './replay-journal.ts';
import type { CheckCommand } from './resolve-check-command.ts';
import { type OrchestratorEnd, runOrchestrator } from './run-orchestrator.ts';
import { type PipelineResume, type PipelineStage, runPipeline } from './run-pipeline.ts';
import { runSwarm } from './run-swarm.ts';
import type { TaskRuntime } from './task-runtime.ts';

/**
 * The agent's work in the sandbox: the pre-checks (a new task only), then the loop, a pipeline's
 * stages in order, or an orchestrator's plan (whose `result` is the change to land). Anything thrown ends the work as `error`, journaled; the steps and text are then
 * those of the resume, if any.
 */
export async function work(
  runtime: TaskRuntime,
  task: Task,
  workspace: Workspace,
  sandbox: Sandbox,
  guard: TaskGuard,
  options: { resume?: ResumeState; pipeline?: PipelineResume; check: CheckCommand | null },
): Promise<OrchestratorEnd> {
  const { resume, check } = options;
  const { journal } = runtime;
  const taskId = task.id;
  const steps = resume?.steps ?? 0;
  const finalText = resume?.finalText ?? '';
  const execute = (command: string, timeoutMs: number, fresh = false) =>
    sandbox.exec(command, { timeoutMs, maxOutputBytes: runtime.maxOutputBytes, fresh });
  try {
    // The workspace's index is made fresh while the task is set up; nothing may touch the files before.
    await workspace.ready;
    // Pre-checks run once, before the first model call; a resumed task is past them.
    const early = resume
      ? undefined
      : await runPreChecks(
          runtime.preChecks ?? [],
          (command) => execute(command, runtime.commandTimeoutMs),
          (fields) => journal.append(taskId, 'pre-check', fields),
        );
    if (early) return { ...early, steps, finalText };
    const loop = loopRunner(runtime, task, guard, { workspaceDir: workspace.dir, execute, journal });
    // The localizer's ranked files (and the rerank, when set), made once per task; journaled.
    const { localize } = runtime;
    const localizeTask = localize
      ? () =>
          localizeFirstTurn({
            taskId,
            journal,
            guard,
            counterfactualKey: runtime.counterfactualKey,
            root: workspace.dir,
            prompt: task.prompt,
            localize,
          })
      : undefined;
    const { stages, orchestrator, swarm } = runtime;
    if (swarm) {
      return await runSwarm({
        runtime: { ...runtime, swarm },
        task,
        workspace,
        guard,
        check,
        localize: localizeTask,
      });
    }
    if (orchestrator) {
      return await runOrchestrator({
        runtime: { ...runtime, orchestrator },
        localize: localizeTask,
        task,
        workspace,
        execute,
        guard,
        check,
      });
    }
    if (stages) {
      const started = performance.now();
      const lastModelStage = stages.findLast((stage) => stage.kind === 'model');
      return await runPipeline({
        taskId,
        prompt: task.prompt,
        stages: stages.map((stage) => withTaskCheck(stage, check)),
        journal,
        guard,
        execute: (command) => execute(command, runtime.commandTimeoutMs),
        outputChars: runtime.toolOutputChars,
        resume: options.pipeline,
        localize: localizeTask,
        runLoop: ({ stage, prompt, stepsBefore, resume: running }) =>
          loop({
            prompt,
            model: stage.model,
            higherTiers: stage.higherTiers,
            // A stage's own check; without one, the last model stage runs the task's.
            check:
              stage.check === undefined
                ? stage === lastModelStage
                  ? check
                  : null
                : stage.check === null
                  ? null
                  : { command: stage.check, source: `stage ${stage.name}` },
            tools: stage.tools ?? runtime.tools,
            maxSteps: Math.min(
              runtime.limits.maxSteps,
              stepsBefore + (stage.maxSteps ?? Number.POSITIVE_INFINITY),
            ),
            maxWallSeconds: Math.max(0, runtime.limits.maxWallSeconds - (performance.now() - started) / 1000),
            stepsBefore,
            resume: running,
          }),
      });
    }
    // A new single-loop task may start with the localizer's ranked files before its text; a resumed
    // one gets them back from the journal (replay-journal.ts), so it sends the same first message.
    const located = resume || !localizeTask ? undefined : await localizeTask();
    return await loop({
      prompt: withLocalization(located, task.prompt),
      model: runtime.model,
      higherTiers: runtime.higherTiers ?? [],
      check,
      tools: runtime.tools,
      maxSteps: runtime.limits.maxSteps,
      maxWallSeconds: runtime.limits.maxWallSeconds,
      resume,
    });
  } catch (error) {
    const detail = describeError(error);
    await journal.append(taskId, 'error', { source: 'agent', message: detail, code: errorCode(error) });
    return { stopReason: 'error', detail, steps, finalText };
  }
}

/**
 * A command stage that runs `check` runs the task's check command.
 *
 * @throws UserError `config-invalid` when the task has no check to run.
 */
function withTaskCheck(stage: PipelineStage, check: CheckCommand | null): PipelineStage {
  if (stage.kind !== 'command' || stage.command !== 'check') return stage;
  if (!check) {
    throw new UserError(
      'config-invalid',
      `stage ${stage.name} runs the task's check, and this task has none (agent.check is none, or auto found no test command)`,
      { hint: "set the agent's check to the repository's test command" },
    );
  }
  return { ...stage, command: check.command };
}
