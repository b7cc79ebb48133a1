import type { TaskGuard } from '../guard/index.ts';
import type { ModelClient } from '../model/index.ts';
import type { Workspace } from '../sandbox/index.ts';
import { describeError } from '../spec/errors.ts';
import type { Sandbox } from '../spec/sandbox.ts';
import type { Task } from '../spec/types.ts';
import { runAgentLoop } from './agent-loop.ts';
import { createCommandCheck } from './command-check.ts';
import { errorCode } from './internal/error-code.ts';
import type { LoopStop } from './loop-stop.ts';
import { runPreChecks } from './pre-checks.ts';
import type { ResumeState } from './replay-journal.ts';
import type { CheckCommand } from './resolve-check-command.ts';
import { type PipelineResume, runPipeline } from './run-pipeline.ts';
import { SYSTEM_PROMPT } from './system-prompt.ts';
import type { TaskRuntime } from './task-runtime.ts';
import { BUILTIN_TOOLS } from './tools/builtin-tools.ts';
import { createWorkspaceFiles } from './tools/workspace-files.ts';

/** One model loop of the task: the whole task for a single agent, one stage of a pipeline. */
interface LoopRun {
  prompt: string;
  model: ModelClient;
  higherTiers: readonly ModelClient[];
  check: CheckCommand | null;
  /** Tool names; undefined: every built-in tool. */
  tools: readonly string[] | undefined;
  /** Most model calls the task may have made when this loop ends. */
  maxSteps: number;
  maxWallSeconds: number;
  stepsBefore?: number | undefined;
  resume?: ResumeState | undefined;
}

/**
 * The agent's work in the sandbox: the pre-checks (a new task only), then the loop, or a pipeline's
 * stages in order. Anything thrown ends the work as `error`, journaled; the steps and text are then
 * those of the resume, if any.
 */
export async function work(
  runtime: TaskRuntime,
  task: Task,
  workspace: Workspace,
  sandbox: Sandbox,
  guard: TaskGuard,
  options: { resume?: ResumeState; pipeline?: PipelineResume; check: CheckCommand | null },
): Promise<LoopStop & { steps: number; finalText: string }> {
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
    const toolContext = {
      files: createWorkspaceFiles(workspace.dir, runtime.protectedPaths),
      exec: (command: string, execOptions: { timeoutMs: number }) => execute(command, execOptions.timeoutMs),
      commandTimeoutMs: runtime.commandTimeoutMs,
      maxCommandTimeoutMs: runtime.maxCommandTimeoutMs,
    };
    const decider = runtime.createDecider(workspace.dir);
    const system = runtime.instructions ? `${SYSTEM_PROMPT}\n\n${runtime.instructions}` : SYSTEM_PROMPT;
    const loop = (run: LoopRun) =>
      runAgentLoop({
        taskId,
        system,
        prompt: run.prompt,
        resume: run.resume,
        stepsBefore: run.stepsBefore,
        model: run.model,
        priceTable: runtime.priceTable,
        counterfactualKey: runtime.counterfactualKey,
        check: run.check
          ? createCommandCheck({
              command: run.check.command,
              // In a sandbox of its own: nothing an agent's command left behind can touch its verdict.
              execute: (command) => execute(command, runtime.maxCommandTimeoutMs, true),
              higher: run.higherTiers,
              outputChars: runtime.toolOutputChars,
              definition:
                run.check.definition === undefined
                  ? undefined
                  : {
                      fingerprint: run.check.definition,
                      source: run.check.source,
                      workspaceDir: workspace.dir,
                    },
            })
          : undefined,
        tools: run.tools ? BUILTIN_TOOLS.filter((tool) => run.tools!.includes(tool.name)) : BUILTIN_TOOLS,
        toolContext,
        decider,
        approvals: runtime.approvals,
        journal,
        guard,
        limits: { maxSteps: run.maxSteps, maxWallSeconds: run.maxWallSeconds },
        maxOutputTokens: runtime.maxOutputTokens,
        toolOutputChars: runtime.toolOutputChars,
      });

    const { stages } = runtime;
    if (stages) {
      const started = performance.now();
      const lastModelStage = stages.findLast((stage) => stage.kind === 'model');
      return await runPipeline({
        taskId,
        prompt: task.prompt,
        stages,
        journal,
        guard,
        execute: (command) => execute(command, runtime.commandTimeoutMs),
        outputChars: runtime.toolOutputChars,
        resume: options.pipeline,
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
    return await loop({
      prompt: task.prompt,
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
