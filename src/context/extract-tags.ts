import type { Node, QueryMatch } from 'web-tree-sitter';
import { DEFAULT_TAG_LIMITS, type FileTags, type TagDefinition, type TagLimits } from './file-tags.ts';
import { createGrammars, type Grammar, type Grammars, languageOf } from './grammars.ts';
import { isLocalDefinition, type ModuleExports, moduleExports } from './internal/definition-scope.ts';
import { textTags } from './internal/text-tags.ts';

export interface ExtractTagsOptions {
  /** Where grammars come from; default: one registry shared by the process (grammars never change). */
  grammars?: Grammars;
  limits?: Partial<TagLimits>;
}

// The loaded grammars are read-only WASM code and compiled queries, the same for every caller; loading
// them costs ~200 ms, so one lazily created registry serves every call that does not bring its own.
let sharedGrammars: Grammars | undefined;

/**
 * The definitions and references of one file, from its tree-sitter grammar when `path`'s extension has
 * one (TypeScript, TSX, JavaScript, Python, Go, Rust, Java) and from its text otherwise. `content` is
 * the file's text or bytes (bytes are decoded as UTF-8). Binary content (a NUL) gets no tags; content
 * over `maxChars`, with a line over `maxLineLength`, or whose parse runs past `maxParseSteps` is tagged
 * from its text; every list is capped. Never throws for any content.
 */
export async function extractTags(
  path: string,
  content: string | Uint8Array,
  options: ExtractTagsOptions = {},
): Promise<FileTags> {
  const limits = { ...DEFAULT_TAG_LIMITS, ...options.limits };
  if (typeof content !== 'string') {
    if (content.includes(0)) return { definitions: [], references: [], via: 'skipped' };
    content = new TextDecoder().decode(content);
  } else if (content.includes('\0')) {
    return { definitions: [], references: [], via: 'skipped' };
  }
  const language = languageOf(path);
  if (
    language === undefined ||
    content.length > limits.maxChars ||
    hasLongLine(content, limits.maxLineLength)
  ) {
    return textTags(content, limits);
  }
  if (options.grammars === undefined && sharedGrammars === undefined) sharedGrammars = createGrammars();
  const grammar = await (options.grammars ?? (sharedGrammars as Grammars)).load(language);
  if (grammar === undefined) return textTags(content, limits);
  return syntaxTags(grammar, content, limits) ?? textTags(content, limits);
}

/** Whether some line is longer than `limit` (scanned, not split: a 5 MB line costs no copy). */
function hasLongLine(text: string, limit: number): boolean {
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    if (stop - start > limit) return true;
    start = stop + 1;
  }
  return false;
}

/** Tags from the grammar's query; `undefined` when the parse ran out of steps. */
function syntaxTags(grammar: Grammar, text: string, limits: TagLimits): FileTags | undefined {
  let steps = 0;
  grammar.parser.reset();
  const tree = grammar.parser.parse(text, null, { progressCallback: () => ++steps > limits.maxParseSteps });
  if (tree === null) return undefined;
  try {
    let querySteps = 0;
    const matches = grammar.query.matches(tree.rootNode, {
      progressCallback: () => ++querySteps > limits.maxQuerySteps,
    });
    const exports = moduleExports(tree.rootNode, grammar.language);
    return tagsOfMatches(matches, text, exports, limits);
  } finally {
    tree.delete();
  }
}

function tagsOfMatches(
  matches: QueryMatch[],
  text: string,
  exports: ModuleExports | undefined,
  limits: TagLimits,
): FileTags {
  // A node can be matched by several patterns (a stock definition and Warden's every-identifier
  // reference): the pattern written first wins (the package's own before Warden's additions), and a
  // definition's name is not also a reference.
  const definitions = new Map<number, { node: Node; kind: string; name: Node; pattern: number }>();
  const references = new Map<number, Node>();
  for (const match of matches) {
    let name: Node | undefined;
    let role: string | undefined;
    let node: Node | undefined;
    for (const capture of match.captures) {
      if (capture.name === 'name') name = capture.node;
      else if (capture.name.startsWith('definition.') || capture.name.startsWith('reference.')) {
        role = capture.name;
        node = capture.node;
      }
    }
    if (name === undefined || role === undefined || node === undefined) continue;
    if (role.startsWith('definition.')) {
      const known = definitions.get(name.startIndex);
      const room = known !== undefined || definitions.size < limits.maxDefinitions;
      if (room && (known === undefined || match.patternIndex < known.pattern)) {
        const kind = role.slice('definition.'.length);
        definitions.set(name.startIndex, { node, kind, name, pattern: match.patternIndex });
      }
    } else if (!references.has(name.startIndex) && references.size < limits.maxReferences) {
      references.set(name.startIndex, name);
    }
  }
  const lines = definitions.size > 0 ? text.split('\n') : [];
  const found: FileTags = { definitions: [], references: [], via: 'syntax' };
  for (const { node, kind, name } of definitions.values()) {
    const word = name.text.trim();
    if (!isName(word)) continue;
    const row = name.startPosition.row;
    const definition: TagDefinition = {
      name: word,
      kind,
      line: row + 1,
      endLine: Math.max(row, node.endPosition.row) + 1,
      signature: (lines[row] ?? '').trim().slice(0, limits.maxSignatureChars),
    };
    if (isLocalDefinition(node, word, exports)) definition.local = true;
    found.definitions.push(definition);
  }
  for (const [start, name] of references) {
    if (definitions.has(start)) continue;
    const word = name.text.trim();
    if (isName(word)) found.references.push({ name: word, line: name.startPosition.row + 1 });
  }
  found.definitions.sort((left, right) => left.line - right.line);
  found.references.sort((left, right) => left.line - right.line);
  return found;
}

/** A name worth a tag: not empty, not a whole import line or string, not absurdly long. */
function isName(word: string): boolean {
  return word.length > 0 && word.length <= 200 && !/[\s'"`]/.test(word);
}
