import type { FileTags, TagDefinition, TagLimits, TagReference } from '../file-tags.ts';

/**
 * A line that declares something in most languages: optional modifiers, a declaring keyword, a name.
 * Anchored at the line start, so a keyword inside an expression or a comment's prose is not taken.
 */
const DECLARATION =
  /^[ \t]*(?:(?:export|default|pub(?:\([^)\n]*\))?|public|private|protected|internal|static|async|abstract|final|sealed|open|override|unsafe|extern|inline|virtual|data|case)[ \t]+)*(class|interface|struct|enum|trait|protocol|def|fn|func|function|fun|sub|module|namespace|type|object|record|impl)[ \t]+\*?[ \t]*([A-Za-z_$][\w$]*)/gm;

const KINDS: Record<string, string> = {
  def: 'function',
  fn: 'function',
  func: 'function',
  fun: 'function',
  sub: 'function',
  function: 'function',
  struct: 'class',
  object: 'class',
  record: 'class',
  protocol: 'interface',
  trait: 'interface',
  namespace: 'module',
};

const IDENTIFIER = /[A-Za-z_$][\w$]*/g;

/**
 * Tags from text alone, for a language without a grammar or a file the parser should not see: a
 * definition per declaring line (`class X`, `def x`, `fn x`…) and every identifier as a reference.
 * Reads only the first `maxTextChars` characters and stops at the caps.
 */
export function textTags(content: string, limits: TagLimits): FileTags {
  const text = content.length > limits.maxTextChars ? content.slice(0, limits.maxTextChars) : content;
  const lineStarts = startsOfLines(text);
  const lineOf = (offset: number): number => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((lineStarts[middle] as number) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
  const definitions: TagDefinition[] = [];
  const defined = new Set<number>();
  for (const match of text.matchAll(DECLARATION)) {
    if (definitions.length >= limits.maxDefinitions) break;
    const keyword = match[1] as string;
    const name = match[2] as string;
    const line = lineOf(match.index);
    const lineEnd = text.indexOf('\n', match.index);
    const signature = text.slice(match.index, lineEnd === -1 ? text.length : lineEnd).trim();
    definitions.push({
      name,
      kind: KINDS[keyword] ?? keyword,
      line,
      endLine: line,
      signature: signature.slice(0, limits.maxSignatureChars),
    });
    defined.add(match.index + match[0].length - name.length);
  }
  const references: TagReference[] = [];
  for (const match of text.matchAll(IDENTIFIER)) {
    if (references.length >= limits.maxReferences) break;
    if (defined.has(match.index) || match[0].length > 200) continue;
    references.push({ name: match[0], line: lineOf(match.index) });
  }
  return { definitions, references, via: 'text' };
}

function startsOfLines(text: string): number[] {
  const starts = [0];
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) {
    starts.push(index + 1);
  }
  return starts;
}
