import type { ModelMessage } from 'ai';
import type { Journal } from '../journal/index.ts';
import type { ModelTool } from '../model/index.ts';
import { type CompactionSettings, planCompaction } from './internal/compact-conversation.ts';
import type { SerializedSizes } from './internal/serialized-sizes.ts';

export type { CompactionSettings } from './internal/compact-conversation.ts';

/** What every compaction of a loop shares. */
export interface CompactionStepSettings {
  taskId: string;
  journal: Journal;
  /** The agent's compaction; null: the conversation is never compacted. */
  compaction: CompactionSettings | null;
  /** The system prompt and the tools as the model is shown them: they count towards the trigger. */
  system: string;
  tools: Record<string, ModelTool>;
  /** Sizes of the conversation's messages, shared with the model step's bound. */
  sizes: SerializedSizes;
}

/**
 * The compaction step, run right before model call `step`: when the prompt's estimate has reached the
 * trigger, old tool outputs become stubs (`planCompaction`) and `context-compacted` is journaled with
 * the tokens before and after and the calls whose outputs were dropped. Returns the conversation to send
 * instead of `messages`, or undefined when nothing changed. The prompt-cache breakpoints are the cache
 * layout's as always; the compacted prefix then stays byte-stable until the next compaction, which is
 * at least a quarter of the trigger later.
 */
export async function runCompactionStep(
  settings: CompactionStepSettings,
  messages: readonly ModelMessage[],
  step: number,
): Promise<ModelMessage[] | undefined> {
  if (settings.compaction === null) return undefined;
  const compaction = planCompaction(
    { system: settings.system, messages, tools: settings.tools },
    settings.compaction,
    step,
    settings.sizes,
  );
  if (!compaction) return undefined;
  await settings.journal.append(settings.taskId, 'context-compacted', {
    step,
    tokensBefore: compaction.tokensBefore,
    tokensAfter: compaction.tokensAfter,
    dropped: compaction.dropped,
  });
  return compaction.messages;
}
