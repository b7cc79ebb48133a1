import type { Node } from 'web-tree-sitter';
import type { ShellWord } from '../shell-command.ts';

export type { ShellWord };

const EXPANSIONS = new Set([
  'simple_expansion',
  'expansion',
  'command_substitution',
  'process_substitution',
  'arithmetic_expansion',
]);

/** The value of a word node: quotes removed, escapes applied, expansions marked as not literal. */
export function wordValue(node: Node): ShellWord {
  const text = node.text;
  const { value, literal } = literalValue(node);
  return { value, literal, text };
}

function literalValue(node: Node): { value: string; literal: boolean } {
  switch (node.type) {
    case 'word':
    case 'command_name':
      if (node.type === 'command_name' && node.namedChildCount === 1)
        return literalValue(node.namedChild(0) as Node);
      return { value: unescapeWord(node.text), literal: true };
    case 'number':
      return { value: node.text, literal: true };
    case 'raw_string':
      return { value: node.text.slice(1, -1), literal: true };
    case 'ansi_c_string':
      return { value: decodeAnsiC(node.text.slice(2, -1)), literal: true };
    case 'string':
    case 'translated_string': {
      const parts = node.namedChildren.filter((child): child is Node => child !== null);
      if (parts.every((child) => child.type === 'string_content')) {
        const inner = node.type === 'string' ? node.text.slice(1, -1) : node.text.slice(2, -1);
        return {
          value: inner.replace(/\\([\\"$`\n])/g, (_, character: string) =>
            character === '\n' ? '' : character,
          ),
          literal: true,
        };
      }
      return { value: node.text, literal: false };
    }
    case 'concatenation': {
      let value = '';
      let literal = true;
      for (const child of node.namedChildren) {
        if (child === null) continue;
        const part = literalValue(child);
        value += part.value;
        literal &&= part.literal;
      }
      // Unnamed pieces (a lone `$`, braces) are kept as written.
      if (node.namedChildCount === 0) value = unescapeWord(node.text);
      return { value: literal ? value : node.text, literal };
    }
    default:
      if (EXPANSIONS.has(node.type)) return { value: node.text, literal: false };
      return { value: node.text, literal: false };
  }
}

/** Backslash escapes outside quotes: `r\m` is `rm`; a backslash-newline disappears. */
function unescapeWord(text: string): string {
  return text.replace(/\\(\n|.)/gs, (_, character: string) => (character === '\n' ? '' : character));
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/** The value of `$'...'`: C escapes including `\xHH`, octal, `\uHHHH` and `\UHHHHHHHH`. */
function decodeAnsiC(body: string): string {
  return body.replace(
    /\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)/gs,
    (whole, sequence: string) => {
      const head = sequence[0] as string;
      if (head === 'x' || head === 'u' || head === 'U') {
        const code = Number.parseInt(sequence.slice(1), 16);
        return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      if (/[0-7]/.test(head)) return String.fromCharCode(Number.parseInt(sequence, 8));
      if (head === 'c') return String.fromCharCode((sequence.charCodeAt(1) ?? 0) & 0x1f);
      return SIMPLE_ESCAPES[head] ?? whole;
    },
  );
}
