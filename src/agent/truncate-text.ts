/**
 * Cuts text (a tool result, for the model or the journal) to `limit` characters, keeping the head and the tail (errors are
 * often at the end) and saying exactly what was removed.
 */
export function truncateText(text: string, limit: number): { text: string; truncated: boolean } {
  if (text.length <= limit) return { text, truncated: false };
  const head = Math.floor(limit * 0.6);
  const tail = limit - head;
  const removed = text.length - head - tail;
  return {
    text: `${text.slice(0, head)}\n[… ${removed} characters cut of ${text.length}; showing the first ${head} and the last ${tail} …]\n${text.slice(-tail)}`,
    truncated: true,
  };
}
