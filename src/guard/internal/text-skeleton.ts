import confusables from 'unhomoglyph/data.json' with { type: 'json' };
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

/**
 * For each UTF-16 code unit, the ASCII letter or digit it imitates (Cyrillic `о`, Greek `ο`, fullwidth
 * `Ｎ`), 0 when none: the single-character entries of Unicode's confusables (`unhomoglyph`'s data) whose
 * skeleton is one ASCII letter or digit. Built on first use (128 KB).
 */
let lookAlikes: Uint16Array | undefined;

function lookAlikeTable(): Uint16Array {
  if (lookAlikes) return lookAlikes;
  lookAlikes = new Uint16Array(0x10000);
  for (const [glyph, base] of Object.entries(confusables as Record<string, string>)) {
    if (glyph.length !== 1 || glyph.charCodeAt(0) < 0x80 || !/^[A-Za-z0-9]$/.test(base)) continue;
    // The skeleton writes I as l; a capital that looks like I reads as I.
    lookAlikes[glyph.charCodeAt(0)] = (base === 'l' && glyph.toLowerCase() !== glyph ? 'I' : base).charCodeAt(
      0,
    );
  }
  return lookAlikes;
}

/** Code units turned back into a string per call (below engines' argument limits). */
const CHUNK = 8192;

/**
 * `text` with every look-alike letter replaced by the ASCII letter it imitates, one code unit for one
 * (offsets stay those of `text`), so that `іgnоre` with Cyrillic letters reads as `ignore`. ASCII and
 * letters that imitate nothing are kept. The same text when there is nothing to replace.
 */
export function foldLookAlikes(text: string): string {
  // Cheap exit: most text is ASCII.
  if (!/[\u0080-\uffff]/.test(text)) return text;
  const table = lookAlikeTable();
  const units = new Uint16Array(text.length);
  let changed = false;
  for (let at = 0; at < text.length; at += 1) {
    const unit = text.charCodeAt(at);
    const base = table[unit] as number;
    if (base === 0) units[at] = unit;
    else {
      units[at] = base;
      changed = true;
    }
  }
  if (!changed) return text;
  let folded = '';
  for (let at = 0; at < units.length; at += CHUNK)
    folded += String.fromCharCode.apply(null, units.subarray(at, at + CHUNK) as unknown as number[]);
  return folded;
}
