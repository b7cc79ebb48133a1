import { forEachInvisibleRun, type InvisibleRun } from './invisible-chars.ts';

/**
 * The text an instruction detector reads: hidden characters removed, so that `ig\u200Bnore` reads as
 * `ignore`, and tag characters decoded, so that ASCII smuggled in the tag block reads as the ASCII it
 * encodes (set apart by a space on each side, as it sits between visible words).
 */
export function buildSkeleton(text: string): string {
  const parts: string[] = [];
  let position = 0;
  forEachInvisibleRun(text, (run) => {
    parts.push(text.slice(position, run.start), replacementOf(run));
    position = run.end;
  });
  if (position === 0) return text;
  parts.push(text.slice(position));
  return parts.join('');
}

function replacementOf(run: InvisibleRun): string {
  if (run.kind === 'bracket') return '\u27e6';
  if (run.decoded !== undefined) return ` ${run.decoded} `;
  return '';
}

/** Where one character of the skeleton comes from: its offset in the text and how many units it took. */
export interface SourceSpan {
  offset: number;
  width: number;
}

/**
 * For each offset of the skeleton of `text` (sorted ascending, each below the skeleton's length), the
 * span of the text the character there came from. One pass over the text, like `buildSkeleton`.
 */
export function sourceSpans(text: string, skeletonOffsets: readonly number[]): SourceSpan[] {
  const spans: SourceSpan[] = [];
  let next = 0;
  let textPosition = 0;
  let skeletonPosition = 0;
  const keptUntil = (textEnd: number): void => {
    const length = textEnd - textPosition;
    while (next < skeletonOffsets.length && skeletonOffsets[next]! < skeletonPosition + length) {
      spans.push({ offset: textPosition + (skeletonOffsets[next]! - skeletonPosition), width: 1 });
      next += 1;
    }
    textPosition = textEnd;
    skeletonPosition += length;
  };
  forEachInvisibleRun(text, (run) => {
    keptUntil(run.start);
    const length = replacementOf(run).length;
    while (next < skeletonOffsets.length && skeletonOffsets[next]! < skeletonPosition + length) {
      spans.push(spanInRun(run, skeletonOffsets[next]! - skeletonPosition, length));
      next += 1;
    }
    textPosition = run.end;
    skeletonPosition += length;
  });
  keptUntil(text.length);
  return spans;
}

function spanInRun(run: InvisibleRun, index: number, length: number): SourceSpan {
  if (run.decoded === undefined) return { offset: run.start, width: run.end - run.start };
  if (index === 0) return { offset: run.start, width: 0 };
  if (index === length - 1) return { offset: run.end, width: 0 };
  return { offset: run.start + 2 * (index - 1), width: 2 };
}
