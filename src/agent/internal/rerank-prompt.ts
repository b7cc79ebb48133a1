import { z } from 'zod';
import type { LocalizedFile } from '../../context/index.ts';

/** Characters of the task's text sent to the reranker; a long report is cut, and said so. */
const TASK_CHARS = 6_000;
/** Symbols per candidate sent to the reranker. */
const SYMBOLS = 3;

/** What the reranking model is told to do, and the one answer it may give. */
export const RERANK_SYSTEM = [
  'You rank source files by how likely a fix for a task has to change them.',
  'Answer with a JSON array of the candidate paths, best first, copied exactly, and nothing else:',
  'no prose, no code fence. Leave out a candidate you think irrelevant; never add a path.',
].join(' ');

/** The request's one user message: the task's text (cut) and each candidate's path and top symbols. */
export function rerankPrompt(task: string, candidates: readonly LocalizedFile[]): string {
  const text =
    task.length > TASK_CHARS ? `${task.slice(0, TASK_CHARS)}\n[task cut at ${TASK_CHARS} characters]` : task;
  const lines = candidates.map((file) => {
    const symbols = file.symbols
      .slice(0, SYMBOLS)
      .map((symbol) => `${symbol.name} (${symbol.kind})`)
      .join(', ');
    return `- ${file.path}${symbols === '' ? '' : `: ${symbols}`}`;
  });
  return `Task:\n${text}\n\nCandidates (a search's order):\n${lines.join('\n')}\n\nAnswer with the JSON array of paths, best first.`;
}

const replySchema = z.array(z.string().min(1)).min(1);

/**
 * The order a reranking model's reply gives to `candidates`, or why it is refused. The reply must be a
 * JSON array of candidate paths (a fence around it is tolerated), each at most once; a path that is not a
 * candidate refuses the whole reply, since a model that invents paths cannot be trusted with the rest.
 * Candidates it leaves out follow the ones it named, in the localizer's order.
 */
export function parseRerankReply(
  reply: string,
  candidates: readonly string[],
): { order: string[] } | { refused: string } {
  const body = reply
    .trim()
    .replace(/^```(?:json)?\s*\n?/i, '')
    .replace(/\n?```$/, '')
    .trim();
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return { refused: 'the reply is not a JSON array of paths' };
  }
  const parsed = replySchema.safeParse(data);
  if (!parsed.success) return { refused: 'the reply is not a non-empty JSON array of paths' };
  const known = new Set(candidates);
  const named = new Set<string>();
  for (const file of parsed.data) {
    if (!known.has(file))
      return { refused: `the reply names ${JSON.stringify(file.slice(0, 200))}, not a candidate` };
    if (named.has(file)) return { refused: `the reply names ${JSON.stringify(file)} twice` };
    named.add(file);
  }
  return { order: [...parsed.data, ...candidates.filter((file) => !named.has(file))] };
}
