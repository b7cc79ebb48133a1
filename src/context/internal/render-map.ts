import type { RankedDefinition } from './rank-tags.ts';

/** What fitted: the text, its estimated tokens, and the definitions and files it shows. */
export interface RenderedMap {
  text: string;
  tokens: number;
  definitions: RankedDefinition[];
  files: string[];
}

/**
 * Tokens of `text` estimated as one per four characters, rounded up: Warden ships no tokenizer, and
 * for code in English identifiers this is close to what the common BPE tokenizers count (within ~20%).
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

type Item = { definition: RankedDefinition } | { file: string };

/**
 * The most definitions (in rank order), then the most bare file names (in `rankedFiles` order) whose
 * rendering fits `tokenBudget`, found by binary search: adding an item never shortens the text. Each
 * file shows once, as `path:` followed by its definitions' lines in line order (`  12│ signature`).
 */
export function renderMap(
  definitions: readonly RankedDefinition[],
  rankedFiles: readonly string[],
  tokenBudget: number,
): RenderedMap {
  const withDefinitions = new Set(definitions.map((definition) => definition.path));
  const items: Item[] = [
    ...definitions.map((definition) => ({ definition })),
    ...rankedFiles.filter((file) => !withDefinitions.has(file)).map((file) => ({ file })),
  ];
  let low = 0;
  let high = Math.min(items.length, Math.max(0, Math.floor(tokenBudget)) * 4);
  let best: RenderedMap = { text: '', tokens: 0, definitions: [], files: [] };
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    const candidate = render(items.slice(0, middle));
    if (candidate.tokens <= tokenBudget) {
      best = candidate;
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  return best;
}

function render(items: readonly Item[]): RenderedMap {
  const byFile = new Map<string, RankedDefinition[]>();
  for (const item of items) {
    const file = 'file' in item ? item.file : item.definition.path;
    let list = byFile.get(file);
    if (list === undefined) {
      list = [];
      byFile.set(file, list);
    }
    if ('definition' in item) list.push(item.definition);
  }
  const lines: string[] = [];
  for (const [file, list] of byFile) {
    if (list.length === 0) {
      lines.push(file);
      continue;
    }
    lines.push(`${file}:`);
    const width = String(Math.max(...list.map((definition) => definition.line))).length;
    const seen = new Set<number>();
    for (const definition of [...list].sort((left, right) => left.line - right.line)) {
      if (seen.has(definition.line)) continue;
      seen.add(definition.line);
      lines.push(
        `${String(definition.line).padStart(width + 2)}│ ${definition.signature || definition.name}`,
      );
    }
  }
  const text = lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  const shown = items.flatMap((item) => ('definition' in item ? [item.definition] : []));
  return { text, tokens: estimateTokens(text), definitions: shown, files: [...byFile.keys()] };
}
