import type { Journal } from '../journal/index.ts';
import { describeError } from '../spec/errors.ts';
import type { PolicyDecider } from '../spec/policy.ts';
import type { Decision, ToolCall } from '../spec/types.ts';
import type { AnyToolDefinition, ToolContext, ToolResult } from './tools/tool.ts';
import { truncateText } from './truncate-text.ts';

/** Characters of a tool's output kept in the journal; the full size is recorded beside it. */
const JOURNAL_OUTPUT_CHARS = 8_000;

export interface ToolCallSettings {
  taskId: string;
  journal: Journal;
  decider: PolicyDecider;
  tools: ReadonlyMap<string, AnyToolDefinition>;
  context: ToolContext;
}

/** Validates, decides, runs and journals one tool call. Never throws for a tool's own failure. */
export async function runToolCall(settings: ToolCallSettings, call: ToolCall): Promise<ToolResult> {
  const { journal, taskId, tools: toolsByName } = settings;
  const tool = toolsByName.get(call.name);
  const parsed = tool?.input.safeParse(call.input);
  const decision = await decideSafely(settings.decider, call);
  await journal.append(taskId, 'decision', {
    toolCallId: call.id,
    tool: call.name,
    decider: settings.decider.name,
    ...decision,
  });
  await journal.append(taskId, 'tool-call-start', {
    toolCallId: call.id,
    tool: call.name,
    input: call.input,
  });
  const started = performance.now();
  let result: ToolResult;
  if (decision.decision !== 'allow') {
    const verb =
      decision.decision === 'ask' ? 'needs a human approval, which this run cannot get' : 'was denied';
    result = { output: `this call ${verb}: ${decision.reasons.join('; ')}`, isError: true };
  } else if (!tool) {
    result = {
      output: `there is no tool named ${call.name}; the tools are ${[...toolsByName.keys()].join(', ')}`,
      isError: true,
    };
  } else if (!parsed?.success) {
    const problems = parsed?.error.issues.map(
      (issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`,
    );
    result = { output: `invalid input for ${call.name}: ${problems?.join('; ')}`, isError: true };
  } else {
    try {
      result = await tool.run(parsed.data, settings.context);
    } catch (error) {
      result = { output: `${call.name} failed: ${describeError(error)}`, isError: true };
    }
  }
  const journaled = truncateText(result.output, JOURNAL_OUTPUT_CHARS);
  await journal.append(taskId, 'tool-call-end', {
    toolCallId: call.id,
    tool: call.name,
    output: journaled.text,
    outputChars: result.output.length,
    outputTrimmed: journaled.truncated,
    isError: result.isError,
    exitCode: result.exitCode,
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
  });
  return result;
}

/** A decider that throws has not decided: deny. */
async function decideSafely(decider: PolicyDecider, call: ToolCall): Promise<Decision> {
  try {
    return await decider.decide(call);
  } catch (error) {
    return { decision: 'deny', reasons: [`policy error: ${describeError(error)}`], policyIds: ['error'] };
  }
}
