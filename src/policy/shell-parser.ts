import { createRequire } from 'node:module';
import type { Parser, Tree } from 'web-tree-sitter';
import { SystemError } from '../spec/errors.ts';
import { type ShellWalkLimits, walkShellTree } from './internal/walk-shell-tree.ts';
import type { ParsedShell } from './shell-command.ts';

/**
 * The bound on the work one command line may cost. Only a prefix of `maxChars` characters is parsed,
 * the parser itself stops after `maxParseSteps` of its progress checks (tree-sitter calls back once per
 * hundred or so parse operations, a count that depends on the input alone), and the walk stops at the
 * first of its limits. Counted, never timed: the same command line gets the same answer however loaded
 * the machine is.
 */
export interface ShellParseLimits extends ShellWalkLimits {
  /** Characters of the command line that are parsed; the rest is left unjudged. */
  maxChars: number;
  /** Progress checks of the parser per parse; past it the parse is cancelled. */
  maxParseSteps: number;
}

/**
 * Limits that judge any realistic command line whole (a 50 KB here-document costs no parse step at
 * all) and stop a pathological one (thousands of pipes or statements) after a few milliseconds of work.
 */
export const DEFAULT_SHELL_PARSE_LIMITS: Readonly<ShellParseLimits> = {
  maxChars: 64 * 1024,
  maxParseSteps: 250,
  maxParsedChars: 256 * 1024,
  maxNodes: 20_000,
  maxCommands: 200,
  maxDepth: 8,
};

/** How much before a cut the unjudged text starts, so a word split by the cut is still scanned whole. */
const CUT_OVERLAP = 256;

/** Parses shell command lines into simple commands (see `ShellCommand`). */
export interface ShellParser {
  /**
   * Parses one command line. Never throws for a bad command line: what cannot be parsed is reported in
   * `unparsable`, and what was past the limits in `beyondLimits`.
   *
   * @throws SystemError `unsupported` when the grammar itself cannot be loaded.
   */
  parse(command: string): Promise<ParsedShell>;
}

/**
 * A bash parser on `web-tree-sitter` with the grammar shipped as `tree-sitter-bash.wasm` by the
 * `tree-sitter-bash` package. Nothing is loaded until the first `parse`; the grammar is loaded once per
 * parser. `limits` bound the work per command line (default `DEFAULT_SHELL_PARSE_LIMITS`).
 */
export function createShellParser(
  limits: Readonly<ShellParseLimits> = DEFAULT_SHELL_PARSE_LIMITS,
): ShellParser {
  let ready: Promise<Parser> | undefined;
  const load = async (): Promise<Parser> => {
    try {
      // Imported here, not at the top: a command that never parses a shell line never loads the parser.
      const { Language, Parser } = await import('web-tree-sitter');
      await Parser.init();
      const require = createRequire(import.meta.url);
      const language = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
      const parser = new Parser();
      parser.setLanguage(language);
      return parser;
    } catch (error) {
      throw new SystemError('unsupported', 'cannot load the bash grammar (tree-sitter-bash.wasm)', {
        cause: error,
        hint: 'reinstall dependencies: npm ci',
      });
    }
  };
  return {
    async parse(command: string): Promise<ParsedShell> {
      ready ??= load();
      const parser = await ready;
      /** One parse within the step budget; `null` when the budget ran out. `reached`: chars parsed by then. */
      const attempt = (source: string): { tree: Tree | null; reached: number } => {
        let steps = 0;
        let reached = 0;
        parser.reset();
        const tree = parser.parse(source, null, {
          progressCallback: (state) => {
            // The offset counts bytes of the UTF-16 text the parser reads: two per character.
            reached = Math.floor(state.currentOffset / 2);
            return ++steps > limits.maxParseSteps;
          },
        });
        return { tree, reached };
      };
      const checked = (tree: Tree | null) => {
        if (tree === null) throw new SystemError('unsupported', 'the bash parser returned no tree');
        return tree;
      };

      let text = command.length > limits.maxChars ? command.slice(0, limits.maxChars) : command;
      let cut =
        text.length < command.length ? `the command is longer than ${limits.maxChars} characters` : '';
      let first = attempt(text);
      if (first.tree === null) {
        // Judge the half of what the parser got through: it fits the budget on any realistic input; if
        // even that does not, nothing is judged and the whole text gets the lexical scan.
        cut = `the parser ran out of steps after ${first.reached} characters`;
        text = text.slice(0, Math.floor(first.reached / 2));
        first = attempt(text);
        if (first.tree === null) {
          text = '';
          first = { tree: checked(attempt('').tree), reached: 0 };
        }
      }
      let top: Tree | null = first.tree;
      const parsed = walkShellTree(
        text,
        (source) => {
          if (top !== null) {
            const tree = top;
            top = null;
            return tree;
          }
          return attempt(source).tree;
        },
        limits,
      );
      if (cut === '') return parsed;
      const walked = text.length - (parsed.beyondLimits?.unjudged.length ?? 0);
      const judgedUpTo = Math.min(walked, Math.max(0, text.length - CUT_OVERLAP));
      return {
        ...parsed,
        beyondLimits: { reason: parsed.beyondLimits?.reason ?? cut, unjudged: command.slice(judgedUpTo) },
      };
    },
  };
}
