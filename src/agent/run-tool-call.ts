import type { Journal } from '../journal/index.ts';
import { describeError } from '../spec/errors.ts';
import type { PolicyDecider } from '../spec/policy.ts';
import type { Decision, ToolCall } from '../spec/types.ts';
import type { ApprovalGate } from './approval-gate.ts';
import type { AnyToolDefinition, ToolContext, ToolResult } from './tools/tool.ts';
import { truncateText } from './truncate-text.ts';

export interface ToolCallSettings {
  taskId: string;
  journal: Journal;
  decider: PolicyDecider;
  /** Answers `ask` decisions; without one, `ask` is refused as if denied. */
  approvals?: ApprovalGate | undefined;
  tools: ReadonlyMap<string, AnyToolDefinition>;
  context: ToolContext;
  /** Characters of the result the model sees (and the journal keeps); the cut is stated. */
  outputChars: number;
  /** Milliseconds a call may still take: the task's remaining wall time. Undefined: no bound. */
  remainingMs?: () => number;
  /**
   * What a tool's result becomes before the model and the journal see it (`screenResult`: hidden
   * characters revealed, injected orders flagged). Undefined: it is shown as it is.
   */
  screen?: ((result: ToolResult, tool: string) => Promise<ToolResult>) | undefined;
}

export type ToolCallOutcome =
  | {
      kind: 'done';
      result: ToolResult;
      /** What the model sees. */
      shown: string;
      /** The approval this call ran under; undefined when it needed none. */
      approvalId?: string;
    }
  | { kind: 'paused'; approvalId: string };

/**
 * Validates, decides, runs and journals one tool call. A call that policy answers with `ask` runs only
 * once a human approved exactly it (same content hash), and then once, with the protected paths it
 * names writable; until then the outcome is `paused` and nothing ran. Never throws for a tool's own
 * failure: the failure is the result the model gets (and, for an approved call, the caller's to report).
 */
export async function runToolCall(settings: ToolCallSettings, call: ToolCall): Promise<ToolCallOutcome> {
  const { journal, taskId, tools: toolsByName } = settings;
  if (call.inputError !== undefined) return await refuseUnparsed(settings, call, call.inputError);
  const tool = toolsByName.get(call.name);
  const parsed = tool?.input.safeParse(call.input);
  // A call to a tool that does not exist can do nothing; it is refused as such, without asking policy
  // to judge a name the model made up (`__proto__`, `constructor`…).
  const decision: Decision = tool
    ? await decideSafely(settings.decider, call)
    : { decision: 'deny', reasons: [`there is no tool named ${call.name}`], policyIds: ['no-such-tool'] };
  await journal.append(taskId, 'decision', {
    toolCallId: call.id,
    tool: call.name,
    decider: settings.decider.name,
    ...decision,
  });
  let refusal: string | undefined;
  let approvalId: string | undefined;
  if (!tool) {
    refusal = `there is no tool named ${call.name}; the tools are ${[...toolsByName.keys()].join(', ')}`;
  } else if (decision.decision === 'deny') {
    refusal = `this call was denied by policy: ${decision.reasons.join('; ')}`;
  } else if (decision.decision === 'ask') {
    if (!settings.approvals) {
      refusal = `this call needs a human approval, which this run cannot get: ${decision.reasons.join('; ')}`;
    } else {
      const approval = await settings.approvals.request(taskId, call, decision);
      if (approval.status === 'pending') return { kind: 'paused', approvalId: approval.approvalId };
      if (approval.status === 'denied') {
        refusal = `a human (${approval.by}) denied this call: ${approval.reason || 'no reason given'}. Do not retry it; find another way or finish.`;
      } else {
        approvalId = approval.approvalId;
      }
    }
  }
  await journal.append(taskId, 'tool-call-start', {
    toolCallId: call.id,
    tool: call.name,
    input: call.input,
    approvalId,
  });
  const started = performance.now();
  let result: ToolResult;
  if (refusal !== undefined || !tool) {
    result = { output: refusal ?? `there is no tool named ${call.name}`, isError: true };
  } else if (!parsed?.success) {
    const problems = parsed?.error.issues.map(
      (issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`,
    );
    result = { output: `invalid input for ${call.name}: ${problems?.join('; ')}`, isError: true };
  } else {
    try {
      result = await runBounded(
        tool,
        parsed.data,
        settings,
        contextFor(settings.context, tool, parsed.data, approvalId),
      );
      // What the tool returned, never Warden's own refusals, is screened before anyone reads it.
      if (settings.screen) result = await settings.screen(result, call.name);
    } catch (error) {
      result = { output: `${call.name} failed: ${describeError(error)}`, isError: true };
    }
  }
  const shown = truncateText(result.output, settings.outputChars);
  await journal.append(taskId, 'tool-call-end', {
    toolCallId: call.id,
    tool: call.name,
    output: shown.text,
    outputChars: result.output.length,
    outputTrimmed: shown.truncated,
    isError: result.isError,
    exitCode: result.exitCode,
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    approvalId,
  });
  return { kind: 'done', result, shown: shown.text, approvalId };
}

/**
 * The context a call runs with: for a call a human approved, a file view that may write the paths the
 * call itself names (the approval covered exactly this input); for any other call, the usual one.
 */
function contextFor(
  context: ToolContext,
  tool: AnyToolDefinition,
  input: unknown,
  approvalId: string | undefined,
): ToolContext {
  if (approvalId === undefined || !tool.writesPaths || !context.files.allowing) return context;
  return { ...context, files: context.files.allowing(tool.writesPaths(input)) };
}

/**
 * A call whose arguments are not JSON runs nothing, so there is nothing to decide (and no approval to
 * ask for garbage): the model gets back the raw text it sent and why it could not be read.
 */
async function refuseUnparsed(
  settings: ToolCallSettings,
  call: ToolCall,
  reason: string,
): Promise<ToolCallOutcome> {
  const raw = typeof call.input === 'string' ? call.input : JSON.stringify(call.input);
  const output = `${call.name} did not run: ${reason}. The arguments you sent were:\n${raw}\nSend them again as one JSON object that matches the tool's input schema.`;
  const shown = truncateText(output, settings.outputChars);
  await settings.journal.append(settings.taskId, 'tool-call-start', {
    toolCallId: call.id,
    tool: call.name,
    input: truncateText(raw, settings.outputChars).text,
    inputError: reason,
  });
  await settings.journal.append(settings.taskId, 'tool-call-end', {
    toolCallId: call.id,
    tool: call.name,
    output: shown.text,
    outputChars: output.length,
    outputTrimmed: shown.truncated,
    isError: true,
    durationMs: 0,
  });
  return { kind: 'done', result: { output, isError: true }, shown: shown.text };
}

/** A decider that throws has not decided: deny. */
async function decideSafely(decider: PolicyDecider, call: ToolCall): Promise<Decision> {
  try {
    return await decider.decide(call);
  } catch (error) {
    return { decision: 'deny', reasons: [`policy error: ${describeError(error)}`], policyIds: ['error'] };
  }
}

/**
 * Runs the tool, but waits no longer than its own timeout or the task's remaining wall time, whichever
 * is shorter: a tool that hangs becomes a failed call and the loop goes on to its own limits.
 */
async function runBounded(
  tool: AnyToolDefinition,
  input: unknown,
  settings: ToolCallSettings,
  context: ToolContext,
): Promise<ToolResult> {
  const remaining = settings.remainingMs?.() ?? Number.POSITIVE_INFINITY;
  const limitMs = Math.max(0, Math.min(tool.timeoutMs ?? Number.POSITIVE_INFINITY, remaining));
  if (!Number.isFinite(limitMs)) return tool.run(input, context);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<ToolResult>((resolve) => {
    timer = setTimeout(() => {
      const why =
        limitMs < (tool.timeoutMs ?? Number.POSITIVE_INFINITY)
          ? "the task's wall time ran out"
          : `its limit is ${limitMs} ms`;
      resolve({
        output: `${tool.name} did not finish in ${limitMs} ms (${why}); it was abandoned`,
        isError: true,
      });
    }, limitMs);
  });
  try {
    return await Promise.race([tool.run(input, context), expired]);
  } finally {
    clearTimeout(timer);
  }
}
