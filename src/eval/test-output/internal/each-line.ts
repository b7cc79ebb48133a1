/**
 * Lines longer than this are passed over: no result line is anywhere near it, and skipping them keeps
 * the per-line regular expressions cheap on a hostile log.
 */
export const MAX_LINE_LENGTH = 64 * 1024;

// A colouring runner (pytest on a terminal, FORCE_COLOR) wraps words in SGR sequences.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what is matched
const ANSI_ESCAPE = /\u001b\[[0-9;]*[A-Za-z]/g;

/** The lines of `text` without their line ends and terminal colours, skipping lines over `MAX_LINE_LENGTH`. */
export function* eachLine(text: string): Generator<string> {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end - start <= MAX_LINE_LENGTH) {
      let line = text.slice(start, end);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      yield line.includes('\u001b') ? line.replace(ANSI_ESCAPE, '') : line;
    }
    start = end + 1;
  }
}
