// Zero-width, bidirectional-control, soft-hyphen, variation-selector and control characters (tab and
// newline excepted): they make a command read differently from what runs. Ranges of code points.
const HIDDEN: ReadonlyArray<readonly [number, number]> = [
  [0x00, 0x08],
  [0x0b, 0x1f],
  [0x7f, 0x9f],
  [0xad, 0xad],
  [0x34f, 0x34f],
  [0x61c, 0x61c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180e],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff9, 0xfffb],
  [0xe0000, 0xe007f],
];

// Letters that look like Latin ones: Greek, Cyrillic, Armenian, Cherokee, fullwidth forms, mathematical
// alphanumerics, letter-like symbols.
const LOOKALIKE =
  /[\u0370-\u03FF\u0400-\u052F\u0530-\u058F\u13A0-\u13FF\u2100-\u214F\uFF01-\uFF5E\u{1D400}-\u{1D7FF}]/u;
const FULLWIDTH = /[\uFF01-\uFF5E]/u;

const HIDDEN_PATTERN = new RegExp(
  `[${HIDDEN.map(([low, high]) => `\\u{${low.toString(16)}}-\\u{${high.toString(16)}}`).join('')}]`,
  'u',
);

/** True when the text holds a character that hides or disguises what it says. */
export function hasHiddenCharacters(text: string): boolean {
  return HIDDEN_PATTERN.test(text);
}

/**
 * True when a word mixes Latin letters with look-alikes (`gіt` with a Cyrillic `і`), or uses fullwidth
 * forms anywhere. Text wholly in another script (`echo привет`) is not suspicious.
 */
export function hasMixedScripts(text: string): boolean {
  if (FULLWIDTH.test(text)) return true;
  for (const word of text.split(/[\s"'`;|&()<>=/]+/)) {
    if (/[A-Za-z]/.test(word) && LOOKALIKE.test(word)) return true;
  }
  return false;
}
