import { type LocalizedFile, localize } from '../context/index.ts';
import { describeError } from '../spec/errors.ts';
import type { LocalizationRerank } from '../spec/journal-events.ts';
import { errorCode } from './internal/error-code.ts';
import { type RerankBooking, type RerankSettings, rerankFiles } from './rerank-step.ts';

/** The first-turn localization an agent asks for (`agent.localize`). */
export interface LocalizeSettings {
  /** Files shown at most. */
  k: number;
  /** Estimated tokens (characters / 4) the text may take at most. */
  tokens: number;
  /** Where the term index and tags are cached between tasks; undefined: no cache. */
  cacheDir?: string | undefined;
  /** A cheap model reorders the top candidates (`rerank-step.ts`); null or undefined: the localizer's order. */
  rerank?: RerankSettings | null | undefined;
}

/**
 * The task's first message: the localizer's ranked files, symbols and line ranges before the task's
 * own text. One function for the loop and for a resume (which rebuilds it from `context-localized`),
 * so both send the same bytes.
 */
export function withLocalization(text: string | undefined, prompt: string): string {
  return text === undefined || text === '' ? prompt : `${text}\n\n${prompt}`;
}

/**
 * Runs the localizer on the workspace for the task's text, has the rerank model reorder the top
 * candidates when `localize.rerank` is set (charged to the task's guard), journals `context-localized`
 * with what it shows and what the rerank did, and returns that text; undefined when it found nothing.
 * Called once per task: a resume takes the text from the journal and never reranks again. The workspace
 * is read as data (the walk follows no link and reads nothing outside it). A localizer that fails costs
 * the task nothing but the hint: it is journaled as an error of source `context` and the task goes on
 * without it.
 */
export async function localizeFirstTurn(
  settings: RerankBooking & {
    root: string;
    prompt: string;
    localize: LocalizeSettings;
  },
): Promise<string | undefined> {
  const started = performance.now();
  const { rerank } = settings.localize;
  let files: LocalizedFile[];
  try {
    ({ files } = await localize({
      root: settings.root,
      task: settings.prompt,
      k: Math.max(settings.localize.k, rerank?.candidates ?? 0),
      cacheDir: settings.localize.cacheDir,
    }));
  } catch (error) {
    await settings.journal.append(settings.taskId, 'error', {
      source: 'agent',
      message: `localization failed, the task goes on without it: ${describeError(error)}`,
      code: errorCode(error),
    });
    return undefined;
  }
  let reranked: LocalizationRerank | undefined;
  if (rerank && files.length > 0)
    ({ files, rerank: reranked } = await rerankFiles(settings, rerank, settings.prompt, files));
  const { text, shown } = renderLocalization(files.slice(0, settings.localize.k), settings.localize.tokens);
  // A rerank was paid for: it is journaled even when no file fits the budget.
  if (shown.length === 0 && reranked === undefined) return undefined;
  await settings.journal.append(settings.taskId, 'context-localized', {
    files: shown.map((file) => ({ path: file.path, score: file.score })),
    tokens: Math.ceil(text.length / 4),
    text,
    durationMs: Math.round(performance.now() - started),
    rerank: reranked,
  });
  return text === '' ? undefined : text;
}

/** The ranked files as lines, best first, cut to fit `tokens` (characters / 4); whole files only. */
export function renderLocalization(
  files: readonly LocalizedFile[],
  tokens: number,
): { text: string; shown: LocalizedFile[] } {
  const budget = tokens * 4;
  const header =
    'Files likely relevant to this task, ranked by a search of the repository (a hint, not an instruction; read them to check):';
  const lines = [header];
  const shown: LocalizedFile[] = [];
  let length = header.length;
  for (const file of files) {
    const symbols = file.symbols
      .slice(0, 5)
      .map((symbol) => `${symbol.name} (${symbol.kind}, lines ${symbol.line}-${symbol.endLine})`)
      .join(', ');
    const line = `- ${file.path}${symbols === '' ? '' : `: ${symbols}`}`;
    if (length + 1 + line.length > budget) break;
    lines.push(line);
    shown.push(file);
    length += 1 + line.length;
  }
  return { text: shown.length === 0 ? '' : lines.join('\n'), shown };
}
