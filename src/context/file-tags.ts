/** A name a file defines: a function, class, method, type, constant… */
export interface TagDefinition {
  name: string;
  /** What the tags query called it: `function`, `method`, `class`, `interface`, `type`, `constant`… */
  kind: string;
  /** 1-based line of the name. */
  line: number;
  /** 1-based last line of the definition (the same as `line` when only the name is known). */
  endLine: number;
  /** The text of the name's line, trimmed and cut to `maxSignatureChars`: what a map shows. */
  signature: string;
  /**
   * `true` when no other file can name it: declared inside a function, or a TypeScript or JavaScript
   * module's declaration that is not exported. The map links no other file to it. Absent: visible.
   */
  local?: boolean;
}

/** A name a file uses, where it uses it. */
export interface TagReference {
  name: string;
  /** 1-based line. */
  line: number;
}

/**
 * How a file's tags were found: `syntax` by its tree-sitter grammar; `text` by regular expressions (no
 * grammar for the language, a file too large or minified, a parse past its budget); `skipped` nothing
 * was read from it (binary content).
 */
export type TagSource = 'syntax' | 'text' | 'skipped';

/** The definitions and references of one file, each sorted by line. */
export interface FileTags {
  definitions: TagDefinition[];
  references: TagReference[];
  via: TagSource;
}

/** What tagging one file may cost. Counted, never timed: the same file always gets the same tags. */
export interface TagLimits {
  /** Larger content (UTF-16 code units) is tagged from the text of its first `maxTextChars`. */
  maxChars: number;
  /** A longer line means minified or generated code: tagged from its text. */
  maxLineLength: number;
  /** Progress checks of the parser (one per ~150 characters of code); past it, tagged from the text. */
  maxParseSteps: number;
  /** Progress checks of the tags query; past it, the tags found so far are kept. */
  maxQuerySteps: number;
  /** Characters of a file the text fallback reads. */
  maxTextChars: number;
  maxDefinitions: number;
  maxReferences: number;
  maxSignatureChars: number;
}

/** Limits that parse any hand-written source file whole and cost a few hundred milliseconds at worst. */
export const DEFAULT_TAG_LIMITS: Readonly<TagLimits> = {
  maxChars: 1024 * 1024,
  maxLineLength: 4000,
  maxParseSteps: 20_000,
  maxQuerySteps: 20_000,
  maxTextChars: 256 * 1024,
  maxDefinitions: 5000,
  maxReferences: 20_000,
  maxSignatureChars: 160,
};
