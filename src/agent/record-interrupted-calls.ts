import type { Journal } from '../journal/index.ts';
import type { JournalEvent } from '../spec/journal-events.ts';

/**
 * Tools that only read the workspace: running one again after an interruption changes nothing, so a
 * resumed task runs it again. Every other tool (a shell command, a write) may have half-happened.
 */
export const READ_ONLY_TOOLS: ReadonlySet<string> = new Set([
  'read_file',
  'list_files',
  'search',
  'find_symbol',
  'first_look',
  'recall_output',
]);

/** What the model is told about a call that was cut off mid-run. */
export const INTERRUPTED_CALL_OUTPUT =
  'this call was interrupted: Warden stopped while it ran, so it may have done part of its work or none. ' +
  'It was not run again. Check the workspace before repeating it.';

/**
 * For a task resumed after its process died: every tool call that had started but not ended and is not
 * read-only gets a `tool-call-end` that says it was interrupted (and `interrupted: true`), so the model
 * decides what to do instead of Warden repeating a command that may have half-run. Read-only calls are
 * left without an end, and so run again. Returns the calls so recorded.
 */
export async function recordInterruptedCalls(
  journal: Journal,
  taskId: string,
): Promise<JournalEvent<'tool-call-end'>[]> {
  const events = await journal.events(taskId);
  const ended = new Set<string>();
  for (const event of events) if (event.type === 'tool-call-end') ended.add(event.toolCallId);
  const recorded: JournalEvent<'tool-call-end'>[] = [];
  for (const start of events) {
    if (start.type !== 'tool-call-start') continue;
    const id = start.toolCallId;
    if (ended.has(id) || READ_ONLY_TOOLS.has(start.tool)) continue;
    recorded.push(
      await journal.append(taskId, 'tool-call-end', {
        toolCallId: id,
        tool: start.tool,
        output: INTERRUPTED_CALL_OUTPUT,
        outputChars: INTERRUPTED_CALL_OUTPUT.length,
        outputTrimmed: false,
        isError: true,
        interrupted: true,
        durationMs: 0,
      }),
    );
    ended.add(id);
  }
  return recorded;
}
