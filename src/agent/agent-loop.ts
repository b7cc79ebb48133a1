import type { ModelMessage } from 'ai';
import type { TaskGuard } from '../guard/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ModelClient, PriceTable } from '../model/index.ts';
import type { PolicyDecider } from '../spec/policy.ts';
import type { StopReason } from '../spec/types.ts';
import type { ApprovalGate } from './approval-gate.ts';
import { runCheckStep, type TaskCheck } from './check-step.ts';
import {
  type CompactionSettings,
  type CompactionStepSettings,
  runCompactionStep,
} from './compaction-step.ts';
import { escalate, modelAtTier } from './escalation.ts';
import { createDeadline, wallTimeStop, withinDeadline } from './internal/deadline.ts';
import { SerializedSizes } from './internal/serialized-sizes.ts';
import { toolSchemasOf } from './internal/tool-schemas.ts';
import type { LoopStop } from './loop-stop.ts';
import { type ModelStepSettings, runModelStep } from './model-step.ts';
import type { ResumeState } from './replay-journal.ts';
import type { ToolCallSettings } from './run-tool-call.ts';
import { StuckDetector } from './stuck-detector.ts';
import { runToolStep, type ToolStepOutcome, type ToolStepSettings } from './tool-step.ts';
import type { AnyToolDefinition, ToolContext } from './tools/tool.ts';

/** Limits of the loop itself; spending limits are the guard's. */
export interface LoopLimits {
  /** Most model calls for the task. */
  maxSteps: number;
  /** Most wall-clock seconds for this run of the task. */
  maxWallSeconds: number;
}

export interface AgentLoopSettings {
  taskId: string;
  system: string;
  prompt: string;
  model: ModelClient;
  priceTable: PriceTable;
  tools: readonly AnyToolDefinition[];
  toolContext: ToolContext;
  decider: PolicyDecider;
  /** Answers `ask` decisions; without one, `ask` is refused as if denied. */
  approvals?: ApprovalGate | undefined;
  /** Continue a task from its journal instead of starting from the prompt. */
  resume?: ResumeState | undefined;
  /** Model calls the task made before this loop (earlier pipeline stages): its steps count on from there. */
  stepsBefore?: number | undefined;
  journal: Journal;
  /** Reserves and books every model call; stops the task on a limit or an open breaker. */
  guard: TaskGuard;
  /** Price key of the top-tier model the cost report compares against. */
  counterfactualKey: string;
  /** Undefined: no check, the model's word ends the task. */
  check?: TaskCheck | undefined;
  limits: LoopLimits;
  maxOutputTokens: number;
  toolOutputChars: number;
  /**
   * When and how far old tool outputs are dropped from the conversation before a model call
   * (`compaction-step.ts`); null or undefined: never.
   */
  compaction?: CompactionSettings | null | undefined;
  /** What each tool result becomes before the model sees it (`ToolCallSettings.screen`); undefined: as it is. */
  screen?: ToolCallSettings['screen'];
  /**
   * Aborted with a `LoopStop` as its reason (a swarm's coordinator ending every role): the loop stops
   * before its next model call, as the reason says.
   */
  signal?: AbortSignal | undefined;
  /** Milliseconds since some fixed point; injectable for tests. */
  clock?: () => number;
}

export interface AgentLoopResult {
  stopReason: StopReason;
  /** Model calls made. */
  steps: number;
  /** The model's last text. */
  finalText: string;
  /** A sentence on why the loop stopped, for people. */
  detail: string;
}

/**
 * The step loop: ask the model, check each tool call against policy, run it, feed the result back,
 * until the model stops calling tools or a limit is reached; then the check, and on its failure the
 * escalation to a higher tier. This file only orchestrates: the compaction (`compaction-step.ts`), the
 * model step (`model-step.ts`), the tool step (`tool-step.ts`), the check (`check-step.ts`) and the
 * escalation (`escalation.ts`) each do and journal their own part.
 */
export async function runAgentLoop(settings: AgentLoopSettings): Promise<AgentLoopResult> {
  const { journal, taskId, guard, limits, resume } = settings;
  const higher = settings.check?.higher ?? [];
  // A resumed task continues on the tier its cascade had reached.
  let escalations = resume?.escalations ?? 0;
  let model = modelAtTier(settings.model, higher, escalations);
  const deadline = createDeadline(limits.maxWallSeconds, settings.clock ?? (() => performance.now()));
  const messages: ModelMessage[] = resume
    ? [...resume.messages]
    : [{ role: 'user', content: settings.prompt }];
  let steps = resume?.steps ?? settings.stepsBefore ?? 0;
  let finalText = resume?.finalText ?? '';
  const stop = ({ stopReason, detail }: LoopStop): AgentLoopResult => ({
    stopReason,
    steps,
    finalText,
    detail,
  });
  const tools = toolSchemasOf(settings.tools);
  const sizes = new SerializedSizes();
  const modelStep: ModelStepSettings = {
    taskId,
    journal,
    guard,
    priceTable: settings.priceTable,
    counterfactualKey: settings.counterfactualKey,
    system: settings.system,
    tools,
    maxOutputTokens: settings.maxOutputTokens,
    deadline,
    sizes,
  };
  const compactionStep: CompactionStepSettings = {
    taskId,
    journal,
    compaction: settings.compaction ?? null,
    system: settings.system,
    tools,
    sizes,
  };
  const toolStep: ToolStepSettings = {
    taskId,
    journal,
    guard,
    decider: settings.decider,
    approvals: settings.approvals,
    tools: new Map(settings.tools.map((tool) => [tool.name, tool])),
    // Every tool call, and every command inside one, ends by the task's deadline.
    context: withinDeadline(settings.toolContext, deadline),
    outputChars: settings.toolOutputChars,
    remainingMs: () => deadline.remainingMs(),
    screen: settings.screen,
    stuck: new StuckDetector(),
  };
  /** Adds the step's tool results to the conversation; the stop, when the loop must end. */
  const afterTools = (ran: ToolStepOutcome): LoopStop | undefined => {
    if (ran.message) messages.push(ran.message);
    return ran.stop;
  };

  if (!model) {
    return stop({
      stopReason: 'error',
      detail: `the task had escalated ${escalations} tier(s) above its first, but the config has no such tier now`,
    });
  }

  if (resume && resume.pendingCalls.length > 0) {
    const stopped = afterTools(await runToolStep(toolStep, resume.pendingCalls, resume.finishedResults));
    if (stopped) return stop(stopped);
  }

  // The model had said it was finished when the task was interrupted: its check comes next, not a call.
  let finished = resume?.modelFinished === true && resume.pendingCalls.length === 0;
  for (;;) {
    if (finished) {
      finished = false;
      const checked = await runCheckStep({ taskId, journal, step: steps }, settings.check);
      if (checked.kind === 'done') return stop(checked);
      const escalation = await escalate(
        { taskId, journal, step: steps },
        higher,
        escalations,
        checked.failure,
      );
      if (escalation.kind === 'stopped') return stop(escalation);
      ({ model, escalations } = escalation);
      messages.push(escalation.message);
      continue;
    }
    if (steps >= limits.maxSteps) {
      return stop({ stopReason: 'max-steps', detail: `reached the limit of ${limits.maxSteps} model calls` });
    }
    if (deadline.passed()) return stop(wallTimeStop(deadline));
    if (settings.signal?.aborted) return stop(settings.signal.reason as LoopStop);

    const compacted = await runCompactionStep(compactionStep, messages, steps + 1);
    if (compacted) messages.splice(0, messages.length, ...compacted);
    const answer = await runModelStep(modelStep, { model, messages, step: steps + 1 });
    if (answer.called) steps += 1;
    if (answer.kind === 'stopped') return stop(answer);
    const { turn } = answer;
    if (turn.text) finalText = turn.text;
    messages.push(...turn.responseMessages);

    if (turn.toolCalls.length > 0) {
      const stopped = afterTools(await runToolStep(toolStep, turn.toolCalls));
      if (stopped) return stop(stopped);
      continue;
    }

    // No tool call: the model says it is finished; its check is next.
    finished = true;
  }
}
