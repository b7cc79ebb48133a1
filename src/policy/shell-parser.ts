import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';
import { SystemError } from '../spec/errors.ts';
import { walkShellTree } from './internal/walk-shell-tree.ts';
import type { ParsedShell } from './shell-command.ts';

/** Command lines longer than this are not parsed: they are judged as unparsable. */
export const MAX_COMMAND_CHARS = 64 * 1024;

/** Parses shell command lines into simple commands (see `ShellCommand`). */
export interface ShellParser {
  /**
   * Parses one command line. Never throws for a bad command line: what cannot be parsed is reported in
   * `unparsable`.
   *
   * @throws SystemError `unsupported` when the grammar itself cannot be loaded.
   */
  parse(command: string): Promise<ParsedShell>;
}

/**
 * A bash parser on `web-tree-sitter` with the grammar shipped as `tree-sitter-bash.wasm` by the
 * `tree-sitter-bash` package. Nothing is loaded until the first `parse`; the grammar is loaded once per
 * parser.
 */
export function createShellParser(): ShellParser {
  let ready: Promise<Parser> | undefined;
  const load = async (): Promise<Parser> => {
    try {
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
      if (command.length > MAX_COMMAND_CHARS) {
        return { commands: [], unparsable: `the command is longer than ${MAX_COMMAND_CHARS} characters` };
      }
      ready ??= load();
      const parser = await ready;
      return walkShellTree(command, (source) => {
        const tree = parser.parse(source);
        if (tree === null) throw new SystemError('unsupported', 'the bash parser returned no tree');
        return tree;
      });
    },
  };
}
