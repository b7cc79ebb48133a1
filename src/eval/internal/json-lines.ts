import { type ErrorCode, UserError } from '../../spec/errors.ts';

/**
 * The values of a JSON Lines text with their line numbers, blank lines skipped; a JSON array as the
 * whole text is taken too (SWE-bench writes predictions either way).
 *
 * @throws UserError with `code`, naming the line that is not JSON.
 */
export function parseJsonLines(
  text: string,
  file: string,
  code: ErrorCode,
): Array<{ line: number; value: unknown }> {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    let values: unknown;
    try {
      values = JSON.parse(trimmed);
    } catch (error) {
      throw new UserError(code, `${file}: not a JSON array: ${(error as Error).message}`, { cause: error });
    }
    return (values as unknown[]).map((value, index) => ({ line: index + 1, value }));
  }
  const values: Array<{ line: number; value: unknown }> = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const content = lines[index]!.trim();
    if (content === '') continue;
    try {
      values.push({ line: index + 1, value: JSON.parse(content) });
    } catch (error) {
      throw new UserError(code, `${file}:${index + 1}: not JSON: ${(error as Error).message}`, {
        cause: error,
        hint: 'one JSON object per line (JSON Lines)',
      });
    }
  }
  return values;
}
