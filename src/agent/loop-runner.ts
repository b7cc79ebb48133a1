import type { TaskGuard } from '../guard/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ModelClient } from '../model/index.ts';
import type { JournalEvent } from '../spec/journal-events.ts';
import type { PolicyDecider } from '../spec/policy.ts';
import type { ExecResult } from '../spec/sandbox.ts';
import type { Task } from '../spec/types.ts';
import { type AgentLoopResult, runAgentLoop } from './agent-loop.ts';
import type { ApprovalGate } from './approval-gate.ts';
import { createCommandCheck } from './command-check.ts';
import type { ResumeState } from './replay-journal.ts';
import type { CheckCommand } from './resolve-check-command.ts';
import { screenResult } from './screen-tool-output.ts';
import { SYSTEM_PROMPT } from './system-prompt.ts';
import type { TaskRuntime } from './task-runtime.ts';
import { BUILTIN_TOOLS } from './tools/builtin-tools.ts';
import { recallOutputTool } from './tools/recall-tool.ts';
import type { AnyToolDefinition } from './tools/tool.ts';
import { createWorkspaceFiles } from './tools/workspace-files.ts';

/** One model loop of the task: the whole task for a single agent, one stage of a pipeline, one subtask. */
export interface LoopRun {
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
  /** Tools besides the built-in ones named by `tools` (an orchestrator's `plan`). */
  extraTools?: readonly AnyToolDefinition[] | undefined;
  /** Wraps the agent's policy engine for this loop's calls (to decide `extraTools`, to add claims). */
  decider?: ((agent: PolicyDecider) => PolicyDecider) | undefined;
  /** Aborted with a `LoopStop` as its reason: the loop stops before its next model call. */
  signal?: AbortSignal | undefined;
}

/** Where a loop works: a workspace, the sandbox commands run in, and the journal it writes. */
export interface LoopPlace {
  workspaceDir: string;
  /** Runs a command in the place's sandbox; `fresh`: in a sandbox of its own (a check). */
  execute: (command: string, timeoutMs: number, fresh?: boolean) => Promise<ExecResult>;
  journal: Journal;
  /** Answers `ask` decisions; undefined: the runtime's (a child has none: `ask` is refused). */
  approvals?: ApprovalGate | null | undefined;
}

export type LoopEnd = AgentLoopResult;

/** Runs loops of the task's agent in one place, each with its own prompt, model, tools, limits and check. */
export function loopRunner(
  runtime: TaskRuntime,
  task: Task,
  guard: TaskGuard,
  place: LoopPlace,
): (run: LoopRun) => Promise<LoopEnd> {
  const { execute, journal, workspaceDir } = place;
  const toolContext = {
    files: createWorkspaceFiles(workspaceDir, runtime.protectedPaths),
    exec: (command: string, execOptions: { timeoutMs: number }) => execute(command, execOptions.timeoutMs),
    commandTimeoutMs: runtime.commandTimeoutMs,
    maxCommandTimeoutMs: runtime.maxCommandTimeoutMs,
    recall: (toolCallId: string) => recallOutput(journal, task.id, toolCallId),
  };
  const { taint } = runtime;
  const decider = runtime.createDecider(workspaceDir, taint && (() => taint.facts()));
  const system = runtime.instructions ? `${SYSTEM_PROMPT}\n\n${runtime.instructions}` : SYSTEM_PROMPT;
  return (run: LoopRun) =>
    runAgentLoop({
      taskId: task.id,
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
                : { fingerprint: run.check.definition, source: run.check.source, workspaceDir },
          })
        : undefined,
      tools: [
        ...(run.tools ? BUILTIN_TOOLS.filter((tool) => run.tools!.includes(tool.name)) : BUILTIN_TOOLS),
        ...(run.extraTools ?? []),
        // Compaction's stubs name it: a dropped output comes back from the journal, nothing runs again.
        ...(runtime.compaction ? [recallOutputTool] : []),
      ],
      // What a tool returns is screened before the model sees it (hidden characters, injected orders).
      screen: (result, tool) => screenResult(result, tool, { journal, taskId: task.id, taint }),
      toolContext,
      decider: run.decider ? run.decider(decider) : decider,
      signal: run.signal,
      approvals: place.approvals === null ? undefined : (place.approvals ?? runtime.approvals),
      journal,
      guard,
      limits: { maxSteps: run.maxSteps, maxWallSeconds: run.maxWallSeconds },
      maxOutputTokens: runtime.maxOutputTokens,
      toolOutputChars: runtime.toolOutputChars,
      compaction: runtime.compaction,
    });
}

/**
 * The latest `tool-call-end` of `toolCallId` written by `journal`'s own child (the task's own events for
 * the task's journal): what `recall_output` shows. An interrupted call has no output to show.
 */
async function recallOutput(
  journal: Journal,
  taskId: string,
  toolCallId: string,
): Promise<{ tool: string; output: string; isError: boolean } | undefined> {
  const events = await journal.events(taskId);
  for (let at = events.length - 1; at >= 0; at -= 1) {
    const event = events[at] as JournalEvent;
    if (event.type !== 'tool-call-end' || event.toolCallId !== toolCallId) continue;
    if (event.child !== journal.child || event.interrupted) continue;
    return { tool: event.tool, output: event.output, isError: event.isError };
  }
  return undefined;
}
