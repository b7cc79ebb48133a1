import { findInstructionLike, revealInvisible } from '../guard/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ContextSource } from '../spec/provenance.ts';
import type { Task } from '../spec/types.ts';
import type { TaskRuntime } from './task-runtime.ts';
import { DEFAULT_TAINT_SETTINGS, TaskTaint } from './task-taint.ts';
import type { ToolResult } from './tools/tool.ts';

/** The delimiter lines `spotlight` writes around untrusted text. */
const OWN_DELIMITERS = /^<<(?:end )?untrusted [A-Za-z0-9_-]{8,64}(?: [^\n]*)?>>$/gm;

/** Where screened text came from, for the journal. */
export interface ScreenPlace {
  journal: Journal;
  taskId: string;
  /** The task's taint: text flagged as instructions aimed at the agent taints it. */
  taint?: TaskTaint | undefined;
}

/**
 * One tool result as the model (and the journal) is shown it: invisible characters shown as `⟦U+…⟧`
 * (tag text decoded as `⟦TAG:…⟧`); hidden characters or text that reads as instructions to the agent
 * are journaled (`injection-suspected`), and such instructions, or tag text, taint the task
 * (`suspected-injection`). Detection is a signal, never the defence: the taint rules of the policy are.
 */
export async function screenResult(
  result: ToolResult,
  tool: string,
  place: ScreenPlace,
): Promise<ToolResult> {
  const suspicion = await screenText(result.output, { where: 'tool-output', tool }, place);
  return suspicion === undefined ? result : { ...result, output: suspicion };
}

/**
 * Screens `text` shown to the model; returns it with its hidden characters revealed, or undefined when
 * there was nothing to reveal. Findings are journaled and may taint the task (see `screenResult`).
 */
export async function screenText(
  text: string,
  where: { where: 'task' | 'tool-output'; tool?: string | undefined },
  place: ScreenPlace,
): Promise<string | undefined> {
  const revealed = revealInvisible(text);
  // A task's own spotlight delimiters are Warden's; data inside a block cannot forge one (`spotlight`).
  const instructions = findInstructionLike(where.where === 'task' ? text.replace(OWN_DELIMITERS, '') : text);
  if (revealed.found.length === 0 && instructions.length === 0) return undefined;
  const smuggled = revealed.found.some((finding) => finding.kind === 'tag' && finding.decoded !== undefined);
  await place.journal.append(place.taskId, 'injection-suspected', {
    ...where,
    invisible: revealed.found.map(({ kind, count, decoded }) => ({
      kind,
      count,
      ...(decoded === undefined ? {} : { decoded }),
    })),
    instructions: instructions.map(({ kind, excerpt, concealed }) => ({ kind, excerpt, concealed })),
  });
  if (instructions.length > 0 || smuggled) {
    const what =
      instructions.length > 0 ? `instruction-like text (${instructions[0]?.kind})` : 'hidden tag text';
    await place.taint?.enter({
      kind: 'suspected-injection',
      label: `${what} in ${where.tool === undefined ? "the task's text" : `${where.tool} output`}`,
    });
  }
  return revealed.found.length === 0 ? undefined : revealed.text;
}

/**
 * A driven task's taint: rebuilt from its journal (a resume's), then grown by the untrusted sources of
 * a new task's text, whose text is screened once (what it hides or orders goes on the record).
 */
export async function openTaskTaint(
  runtime: Pick<TaskRuntime, 'journal' | 'taintSettings'>,
  task: Task,
  sources: readonly ContextSource[] = [],
): Promise<TaskTaint> {
  const { journal } = runtime;
  const taint = new TaskTaint(
    journal,
    task.id,
    runtime.taintSettings ?? DEFAULT_TAINT_SETTINGS,
    await journal.events(task.id),
  );
  for (const source of sources) await taint.enter(source);
  if (sources.length > 0)
    await screenText(task.prompt, { where: 'task' }, { journal, taskId: task.id, taint });
  return taint;
}
