/**
 * Finds the characters a person does not see but a model reads: the Unicode tag block, zero-width
 * characters, bidirectional controls, variation selectors, control characters and other format
 * characters. One pass over the text, driven by a single regular expression over a character class
 * (no backtracking), so it stays linear on a 10 MB string.
 *
 * Kept as they are, because legitimate text needs them (each one alone, never in a run):
 * - ZWJ (U+200D) between two emoji, as in 👩‍💻 (the emoji before it may carry VS16 or a skin tone);
 * - ZWJ and ZWNJ (U+200C) between two letters of a script that shapes with them (Arabic, Persian,
 *   the Indic scripts, Sinhala, Khmer, Myanmar, Syriac, Mongolian…);
 * - VS15/VS16 (U+FE0E/U+FE0F) after an emoji (or a keycap's `0-9#*` followed by U+20E3), the other
 *   selectors U+FE00–U+FE0D after a non-ASCII letter or symbol, U+E0100–U+E01EF after a Han
 *   ideograph, and the Mongolian selectors after a Mongolian letter;
 * - the tags of the three subdivision flags emoji fonts draw (🏴 + `gbeng`, `gbsct` or `gbwls` in tag
 *   letters + CANCEL TAG, as in 🏴󠁧󠁢󠁳󠁣󠁴󠁿); any other tag, even after 🏴, is reported.
 * A leading byte order mark is dropped (`bom`). Everything else the class names is reported.
 */

/** What kind of hidden character: how `revealInvisible` groups them in its findings. */
export type InvisibleKind =
  | 'tag'
  | 'zero-width'
  | 'bidi'
  | 'variation-selector'
  | 'control'
  | 'other-invisible';

/**
 * One stretch to replace: a run of the same code point (`count` of them), or a run of printable tag
 * characters (`decoded`: the ASCII they spell). `bracket` is a literal ⟦, escaped so that every ⟦ of a
 * revealed text opens an escape; `bom` is a leading byte order mark.
 */
export interface InvisibleRun {
  kind: InvisibleKind | 'bracket' | 'bom';
  /** UTF-16 offsets in the scanned text, end exclusive. */
  start: number;
  end: number;
  codePoint: number;
  count: number;
  /** For a run of printable tag characters (U+E0020–U+E007E): the ASCII they encode. */
  decoded?: string;
}

// The class names control characters and lone combining characters because finding them is its job.
const CANDIDATES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is matched
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: each character is matched on its own
  /[\0-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\xAD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u27E6\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF9-\uFFFB\p{Cf}\p{Cs}\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/gu;

const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
const EMOJI = /\p{Emoji}/u;
const SHAPING_SCRIPT =
  /[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Nko}\p{Script=Thaana}\p{Script=Mandaic}\p{Script=Mongolian}\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Gurmukhi}\p{Script=Gujarati}\p{Script=Oriya}\p{Script=Tamil}\p{Script=Telugu}\p{Script=Kannada}\p{Script=Malayalam}\p{Script=Sinhala}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]/u;
const SHAPING_LETTER = /[\p{L}\p{M}]/u;
const NON_ASCII_BASE = /[\p{L}\p{N}\p{S}\p{P}]/u;
const HAN = /\p{Script=Han}/u;
const MONGOLIAN = /\p{Script=Mongolian}/u;

const TAG_FIRST = 0xe0000;
const TAG_LAST = 0xe007f;
const CANCEL_TAG = 0xe007f;
const BLACK_FLAG = 0x1f3f4;

/** The kind of a candidate code point (one the class above matched). */
export function kindOf(codePoint: number): InvisibleKind {
  if (codePoint >= TAG_FIRST && codePoint <= TAG_LAST) return 'tag';
  if (codePoint < 0xa0) return 'control';
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return 'control';
  if (isVariationSelector(codePoint)) return 'variation-selector';
  if (isBidi(codePoint)) return 'bidi';
  if ((codePoint >= 0x200b && codePoint <= 0x200d) || codePoint === 0x2060 || codePoint === 0xfeff) {
    return 'zero-width';
  }
  if (codePoint === 0x180e) return 'zero-width';
  return 'other-invisible';
}

function isVariationSelector(codePoint: number): boolean {
  return (
    (codePoint >= 0xfe00 && codePoint <= 0xfe0f) ||
    (codePoint >= 0xe0100 && codePoint <= 0xe01ef) ||
    (codePoint >= 0x180b && codePoint <= 0x180d) ||
    codePoint === 0x180f
  );
}

function isBidi(codePoint: number): boolean {
  return (
    (codePoint >= 0x202a && codePoint <= 0x202e) ||
    (codePoint >= 0x2066 && codePoint <= 0x2069) ||
    codePoint === 0x200e ||
    codePoint === 0x200f ||
    codePoint === 0x061c
  );
}

function unitsOf(codePoint: number): number {
  return codePoint > 0xffff ? 2 : 1;
}

/** The code point that ends just before `index`, or undefined at the start. */
function codePointBefore(text: string, index: number): number | undefined {
  if (index <= 0) return undefined;
  const low = text.charCodeAt(index - 1);
  if (low >= 0xdc00 && low <= 0xdfff && index >= 2) {
    const high = text.charCodeAt(index - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.codePointAt(index - 2);
  }
  return low;
}

function test(pattern: RegExp, codePoint: number | undefined): boolean {
  return codePoint !== undefined && pattern.test(String.fromCodePoint(codePoint));
}

function isShapingLetter(codePoint: number | undefined): boolean {
  return test(SHAPING_LETTER, codePoint) && test(SHAPING_SCRIPT, codePoint);
}

function isEmojiEnd(codePoint: number | undefined): boolean {
  if (codePoint === undefined) return false;
  return (
    codePoint === 0xfe0f || (codePoint >= 0x1f3fb && codePoint <= 0x1f3ff) || test(PICTOGRAPHIC, codePoint)
  );
}

/**
 * Whether the candidate at `index` is kept: see the module comment. `previousKept` says whether the
 * character before it was kept (a joiner or selector after a revealed character is never legitimate).
 */
function isLegitimate(text: string, index: number, codePoint: number, previousKept: boolean): boolean {
  if (!previousKept) return false;
  const before = codePointBefore(text, index);
  if (before === undefined) return false;
  const after = text.codePointAt(index + unitsOf(codePoint));
  if (codePoint === 0x200d) {
    return (
      (isEmojiEnd(before) && test(PICTOGRAPHIC, after)) || (isShapingLetter(before) && isShapingLetter(after))
    );
  }
  if (codePoint === 0x200c) return isShapingLetter(before) && isShapingLetter(after);
  if (isVariationSelector(before)) return false;
  if (codePoint === 0xfe0e || codePoint === 0xfe0f) {
    if (before < 0x80) return after === 0x20e3 && /[0-9#*]/.test(String.fromCharCode(before));
    return test(EMOJI, before);
  }
  if (codePoint >= 0xfe00 && codePoint <= 0xfe0d) return before >= 0x80 && test(NON_ASCII_BASE, before);
  if (codePoint >= 0xe0100 && codePoint <= 0xe01ef) return test(HAN, before);
  if (isVariationSelector(codePoint)) return test(MONGOLIAN, before);
  return false;
}

/** The flags of England, Scotland and Wales: the only subdivision flags emoji fonts draw. */
const SUBDIVISION_FLAGS = ['gbeng', 'gbsct', 'gbwls'];

/** The end of a subdivision flag's tag sequence starting at `index`, or undefined if it is not one. */
function subdivisionFlagEnd(text: string, index: number): number | undefined {
  if (codePointBefore(text, index) !== BLACK_FLAG) return undefined;
  for (const name of SUBDIVISION_FLAGS) {
    const end = index + 2 * name.length;
    const spelled = [...name].every(
      (letter, at) => text.codePointAt(index + 2 * at) === TAG_FIRST + letter.charCodeAt(0),
    );
    if (spelled && text.codePointAt(end) === CANCEL_TAG) return end + 2;
  }
  return undefined;
}

function isPrintableTag(codePoint: number): boolean {
  return codePoint >= TAG_FIRST + 0x20 && codePoint <= TAG_FIRST + 0x7e;
}

/** Reports a tag run starting at `index`; returns where the scan continues. */
function visitTags(text: string, index: number, visit: (run: InvisibleRun) => void): number {
  const codePoint = text.codePointAt(index)!;
  if (!isPrintableTag(codePoint)) {
    visit({ kind: 'tag', start: index, end: index + 2, codePoint, count: 1 });
    return index + 2;
  }
  let end = index;
  let decoded = '';
  for (
    let next = text.codePointAt(end);
    next !== undefined && isPrintableTag(next);
    next = text.codePointAt(end)
  ) {
    decoded += String.fromCharCode(next - TAG_FIRST);
    end += 2;
  }
  visit({ kind: 'tag', start: index, end, codePoint, count: decoded.length, decoded });
  return end;
}

/**
 * Calls `visit` for each stretch of `text` to replace, in order. Characters not reported are kept.
 * Linear in the length of the text.
 */
export function forEachInvisibleRun(text: string, visit: (run: InvisibleRun) => void): void {
  const candidates = new RegExp(CANDIDATES.source, CANDIDATES.flags);
  let lastReportedEnd = -1;
  for (let match = candidates.exec(text); match !== null; match = candidates.exec(text)) {
    const index = match.index;
    const codePoint = text.codePointAt(index)!;
    let end: number;
    if (codePoint === 0x27e6) {
      visit({ kind: 'bracket', start: index, end: index + 1, codePoint, count: 1 });
      end = index + 1;
    } else if (codePoint === 0xfeff && index === 0) {
      visit({ kind: 'bom', start: 0, end: 1, codePoint, count: 1 });
      end = 1;
    } else if (codePoint >= TAG_FIRST && codePoint <= TAG_LAST) {
      const flagEnd = subdivisionFlagEnd(text, index);
      if (flagEnd !== undefined) {
        candidates.lastIndex = flagEnd;
        continue;
      }
      end = visitTags(text, index, visit);
    } else if (isLegitimate(text, index, codePoint, lastReportedEnd !== index)) {
      continue;
    } else {
      const units = unitsOf(codePoint);
      end = index + units;
      let count = 1;
      while (text.codePointAt(end) === codePoint) {
        end += units;
        count += 1;
      }
      visit({ kind: kindOf(codePoint), start: index, end, codePoint, count });
    }
    lastReportedEnd = end;
    candidates.lastIndex = end;
  }
}
