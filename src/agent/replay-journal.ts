import type { ModelMessage, ToolResultPart } from 'ai';
import { SystemError } from '../spec/errors.ts';
import type { JournalEvent } from '../spec/journal-events.ts';
import type { ToolCall } from '../spec/types.ts';
import { checkFailedMessage } from './check-failed-message.ts';
import { stubToolResults } from './internal/compact-conversation.ts';
import { withLocalization } from './localize-step.ts';

/** Where a task stood when its journal ends: enough to continue without calling the model again. */
export interface ResumeState {
  /** The conversation so far, ending with the last assistant message. */
  messages: ModelMessage[];
  /** Results of the last step's calls that already ran, in call order. */
  finishedResults: ToolResultPart[];
  /** The last step's calls that have not run yet (the first one is the call that waited for approval). */
  pendingCalls: ToolCall[];
  /** Model calls made so far. */
  steps: number;
  spentUsd: number;
  spentTokens: number;
  finalText: string;
  /** Tiers the cascade had moved up: the task continues on that tier. */
  escalations: number;
  /**
   * The last model call answered without tool calls (the model said it was finished), and only its check
   * came after: the task goes on with that check, not with another model call.
   */
  modelFinished: boolean;
}

/**
 * Rebuilds the conversation of a task from its journal: the prompt, each model reply (text and tool
 * calls), each tool result and each failed check that moved the task up a tier, exactly as the model
 * saw them; each `context-compacted` replaces the same outputs by the same stubs as the loop did. Model calls already paid for are not made again; tool calls already run are not run again.
 *
 * @throws SystemError `journal-corrupt` when the journal does not start with `task-start`.
 */
export function replayJournal(events: readonly JournalEvent[]): ResumeState {
  const start = events[0];
  if (start?.type !== 'task-start' || typeof start.prompt !== 'string') {
    throw new SystemError('journal-corrupt', 'cannot resume: the journal does not begin with the task start');
  }
  // The first-turn localization, when the task had one, went before the task's text.
  const located = events.find((event) => event.type === 'context-localized');
  let messages: ModelMessage[] = [
    {
      role: 'user',
      content: withLocalization(
        located?.type === 'context-localized' ? located.text : undefined,
        start.prompt,
      ),
    },
  ];
  let calls: ToolCall[] = [];
  let results = new Map<string, ToolResultPart>();
  const state = {
    steps: 0,
    spentUsd: 0,
    spentTokens: 0,
    finalText: '',
    escalations: 0,
    modelFinished: false,
  };
  let failedCheck: JournalEvent<'check'> | undefined;
  const flush = () => {
    if (calls.length === 0) return;
    messages.push({ role: 'tool', content: calls.map((call) => results.get(call.id)!) });
  };

  for (const event of events) {
    if (event.type === 'model-response') {
      flush();
      calls = event.toolCalls;
      results = new Map();
      const text = event.text;
      messages.push({
        role: 'assistant',
        content: [
          ...(text ? [{ type: 'text' as const, text }] : []),
          ...calls.map((call) => ({
            type: 'tool-call' as const,
            toolCallId: call.id,
            toolName: call.name,
            // As the SDK sent it the first time: arguments that were not JSON went back as `{}`.
            input: call.inputError === undefined ? call.input : {},
          })),
        ],
      });
      const { usage } = event;
      state.steps = event.step;
      state.spentUsd += event.costUsd;
      state.spentTokens += usage.input + usage.output + usage.cacheRead + usage.cacheWrite;
      if (text) state.finalText = text;
      state.modelFinished = calls.length === 0;
    } else if (event.type === 'check') {
      failedCheck = event.passed ? undefined : event;
    } else if (event.type === 'route-decision' && event.kind === 'escalate' && failedCheck) {
      const { check, summary, output } = failedCheck;
      messages.push({ role: 'user', content: checkFailedMessage(check, summary, output) });
      state.escalations += 1;
      state.modelFinished = false;
    } else if (event.type === 'context-compacted') {
      // Compaction comes after the last step's results, before the next call: they are in the conversation.
      flush();
      calls = [];
      messages = stubToolResults(messages, event.dropped, event.step);
    } else if (event.type === 'tool-call-end') {
      results.set(event.toolCallId, {
        type: 'tool-result',
        toolCallId: event.toolCallId,
        toolName: event.tool,
        output: { type: event.isError ? 'error-text' : 'text', value: event.output },
      });
    }
  }
  const pendingCalls = calls.filter((call) => !results.has(call.id));
  if (pendingCalls.length === 0) {
    flush();
    return { ...state, messages, finishedResults: [], pendingCalls };
  }
  const finishedResults = calls.filter((call) => results.has(call.id)).map((call) => results.get(call.id)!);
  return { ...state, messages, finishedResults, pendingCalls };
}
