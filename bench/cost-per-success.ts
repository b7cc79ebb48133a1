import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { costOf, loadPriceTable } from '../src/model/index.ts';
import type { CacheShare } from './cost-prompt-cache.ts';

const TOP = 'anthropic:claude-opus-4-7';
/** The routed plan of the demo's steps: plan on the top tier, the work on mid, the wrap-up on nano. */
const PLAN = 'anthropic:claude-opus-4-7';
const WORK = 'anthropic:claude-sonnet-4-6';
const WRAP_UP = 'openai:gpt-5.4-nano';

/**
 * (b) The demo workload's modeled cost per successful task: its scripted turns' token counts priced
 * (1) every call on the top tier with no cache, against (2) routed — the first (planning) step on the
 * top tier, the last (the summary, a classification-sized call) on the nano tier, every other step on
 * the mid tier — with the cache read and write shares measured in (a). A model of the spend, from the
 * demo's typical token counts; no vendor is called. The demo succeeds, so cost per success = its cost.
 */
export function benchCostPerSuccess(cache: CacheShare) {
  const table = loadPriceTable();
  const file = new URL('../examples/demo/fix-discount.scripted.yaml', import.meta.url);
  const script = parse(readFileSync(file, 'utf8')) as {
    turns: Array<{ usage?: { input_tokens: number; output_tokens: number } }>;
  };
  const usages = script.turns.map((turn) => turn.usage ?? { input_tokens: 0, output_tokens: 0 });
  let topOnly = 0;
  let routed = 0;
  usages.forEach((usage, index) => {
    topOnly += costOf(table, TOP, {
      input: usage.input_tokens,
      output: usage.output_tokens,
      cacheRead: 0,
      cacheWrite: 0,
    }).usd;
    const key = index === 0 ? PLAN : index === usages.length - 1 ? WRAP_UP : WORK;
    const read = Math.round(usage.input_tokens * cache.readShare);
    const written = Math.round(usage.input_tokens * cache.writeShare);
    routed += costOf(table, key, {
      input: usage.input_tokens - read - written,
      output: usage.output_tokens,
      cacheRead: read,
      cacheWrite: written,
    }).usd;
  });
  return { steps: usages.length, topOnlyUsd: topOnly, routedUsd: routed, ratio: topOnly / routed };
}
