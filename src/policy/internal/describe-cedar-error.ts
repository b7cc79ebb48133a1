import type { DetailedError } from './cedar.ts';

/**
 * One line per Cedar error: `file:line:column: message (label; help)`. Cedar reports byte offsets into
 * the text it was given; they are turned into lines and columns here.
 */
export function describeCedarError(file: string, text: string, error: DetailedError): string {
  const location = error.sourceLocations?.[0];
  const where = location === undefined ? file : `${file}:${lineAndColumn(text, location.start)}`;
  const extras = [location?.label, error.help].filter((part): part is string => Boolean(part));
  return `${where}: ${error.message}${extras.length > 0 ? ` (${extras.join('; ')})` : ''}`;
}

/** `line:column`, both from 1, of a byte offset into `text`. */
export function lineAndColumn(text: string, byteOffset: number): string {
  const before = Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8');
  const lines = before.split('\n');
  return `${lines.length}:${(lines.at(-1)?.length ?? 0) + 1}`;
}
