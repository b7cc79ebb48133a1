import type { JournalEventFields, JournaledToolCall } from '../spec/journal-events.ts';
import type { ToolCall } from '../spec/types.ts';
import { truncateText } from './truncate-text.ts';

/**
 * Characters of a model reply's text, and of each tool call's input (as JSON), kept in the journal. A
 * reply is journaled whole up to this; a larger one (a runaway model) is cut, head and tail kept, with
 * its full size recorded. The conversation sent back to the model keeps what it really sent; a task
 * resumed from the journal sees the cut version.
 */
export const JOURNAL_REPLY_CHARS = 200_000;

/** The `text` and `toolCalls` fields of a `model-response` event, each capped, with the full sizes. */
export function replyForJournal(
  reply: { text: string; toolCalls: readonly ToolCall[] },
  limit = JOURNAL_REPLY_CHARS,
): Pick<JournalEventFields['model-response'], 'text' | 'textChars' | 'textTrimmed' | 'toolCalls'> {
  const text = truncateText(reply.text, limit);
  const fields: Pick<
    JournalEventFields['model-response'],
    'text' | 'textChars' | 'textTrimmed' | 'toolCalls'
  > = {
    text: text.text,
    toolCalls: reply.toolCalls.map((call) => capInput(call, limit)),
  };
  if (text.truncated) Object.assign(fields, { textChars: reply.text.length, textTrimmed: true });
  return fields;
}

function capInput(call: ToolCall, limit: number): JournaledToolCall {
  const json = typeof call.input === 'string' ? call.input : JSON.stringify(call.input ?? null);
  if (json.length <= limit) return call;
  // A cut input is no longer the call: it is kept as text, which no tool accepts, so a resumed task
  // can never run a mangled call.
  return { ...call, input: truncateText(json, limit).text, inputChars: json.length, inputTrimmed: true };
}
