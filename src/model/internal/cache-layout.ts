import type { ModelMessage } from 'ai';

/** Anthropic's cache breakpoint, as the AI SDK's Anthropic provider reads it from `providerOptions`. */
const BREAKPOINT = { anthropic: { cacheControl: { type: 'ephemeral' } } } as const;

/**
 * Where Warden places Anthropic's prompt-cache breakpoints (at most four are allowed; this uses three).
 * The prompt is a growing prefix — tools, system, then the conversation, to which each step only
 * appends — so the marks go on the largest stable blocks:
 *
 * 1. the end of the system prompt, which caches the tools and the system together (they come first);
 * 2. the newest message, so this call writes the whole conversation to the cache for the next one;
 * 3. the message that was newest in the previous call (the one before the latest assistant turn), so
 *    this call reads what the previous one wrote even when more than 20 blocks were appended since.
 *
 * Returns the messages to send with the system prompt as the first, marked, message. Pure.
 */
export function withAnthropicCacheBreakpoints(
  system: string,
  messages: readonly ModelMessage[],
): ModelMessage[] {
  const marked: ModelMessage[] = [
    { role: 'system', content: system, providerOptions: BREAKPOINT },
    ...messages,
  ];
  const mark = (index: number) => {
    const message = marked[index];
    if (index > 0 && message) marked[index] = { ...message, providerOptions: BREAKPOINT } as ModelMessage;
  };
  const lastAssistant = marked.findLastIndex((message) => message.role === 'assistant');
  if (lastAssistant > 1) mark(lastAssistant - 1);
  mark(marked.length - 1);
  return marked;
}
