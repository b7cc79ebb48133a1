import { fileURLToPath } from 'node:url';
import { findInstructionLike, revealInvisible } from '../src/guard/index.ts';
import { summarize, timeEach } from './stats.ts';
import { benchToolCallOverhead } from './tool-call-overhead.ts';

/** The tool output limit (`agent.toolOutputChars`): the most a screened result can be. */
const OUTPUT_CHARS = 16_000;

/** Text as a tool returns it, cut at the output limit: TypeScript, or prose in another script. */
function outputOf(kind: 'code' | 'prose'): string {
  const line = (index: number) =>
    kind === 'code'
      ? `export function handle${index}(request: Request): Promise<Response> { return route(request, ${index}); }\n`
      : `Строка ${index}: обычный текст отчёта об ошибке, без указаний для агента.\n`;
  let text = '';
  for (let index = 0; text.length < OUTPUT_CHARS; index += 1) text += line(index);
  return text.slice(0, OUTPUT_CHARS);
}

export interface ScreeningBench {
  /** Screening one 16,000-character output, µs. */
  code: { median: number; p99: number };
  prose: { median: number; p99: number };
  /** The harness overhead of one tool call (bench (a)), measured in the same run, µs. */
  harness: { median: number; p99: number };
}

/**
 * (aa) What screening adds to a tool call whose output is full (16,000 characters): `revealInvisible`
 * and `findInstructionLike` (the skeleton, look-alike folding, every pattern), as every tool result gets
 * them before the model sees it, on clean output (nothing is journaled). Against the harness overhead of
 * one tool call measured in the same run (bench (a)).
 */
export async function benchScreening(count = 500): Promise<ScreeningBench> {
  const screen = (text: string) => async () => {
    revealInvisible(text);
    findInstructionLike(text);
  };
  const code = outputOf('code');
  const prose = outputOf('prose');
  // Warm up the patterns and the look-alike table.
  await timeEach(20, screen(prose));
  return {
    code: summarize(await timeEach(count, screen(code))),
    prose: summarize(await timeEach(count, screen(prose))),
    harness: await benchToolCallOverhead(1000),
  };
}

export function describeScreening(result: ScreeningBench): string {
  const ratio = (value: number) => (value / result.harness.median).toFixed(2);
  return `(aa) screening a full tool output (16,000 chars) for hidden characters and injected orders: code median ${result.code.median.toFixed(0)} µs (${ratio(result.code.median)}× the harness overhead of a call, ${result.harness.median.toFixed(0)} µs), prose in Cyrillic ${result.prose.median.toFixed(0)} µs (${ratio(result.prose.median)}×), p99 ${result.code.p99.toFixed(0)} / ${result.prose.p99.toFixed(0)} µs`;
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  console.log(describeScreening(await benchScreening()));
