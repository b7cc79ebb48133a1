/** A shell word as the shell would see it, when that can be known before running. */
export interface ShellWord {
  /** The value after quote removal; for a word with expansions, its source text. */
  value: string;
  /** False when the value depends on an expansion or substitution ($X, $(...), `...`). */
  literal: boolean;
  /** The word as written. */
  text: string;
}

/** One simple command found in a command line, before its paths are judged. */
export interface ShellCommand {
  /** The words after unwrapping: `argv[0]` is the command word. Empty for a redirection alone. */
  argv: ShellWord[];
  /** The source text of the command it came from. */
  line: string;
  /** Wrappers peeled off to reach it, outermost first (`sudo`, `timeout`, `bash -c`...). */
  wrappers: string[];
  /** Programs feeding it: earlier pipeline stages, substitutions in its words. */
  inputsFrom: string[];
  opaque: boolean;
  definedFunction: boolean;
  riskyEnvironment: boolean;
  /** The sandbox working directory it runs in; `undefined` when a `cd` made it unknowable. */
  cwd: string | undefined;
  /** Redirection targets it writes (`>`, `>>`, `&>`...). */
  redirectWrites: ShellWord[];
  /** Redirection sources it reads (`<`). */
  redirectReads: ShellWord[];
  /** Arguments are appended at run time (xargs), so its targets are not all known. */
  appendedArguments: boolean;
  /** For `find -exec`: the start paths `{}` stands for. */
  placeholderPaths: ShellWord[] | undefined;
}

/** The result of parsing one command line. */
export interface ParsedShell {
  commands: ShellCommand[];
  /** Why the command line could not be parsed; `undefined` when it was. */
  unparsable: string | undefined;
  /**
   * Set when the command line costs more than the parser's limits: `commands` then hold only what was
   * judged before the limit, `unjudged` is the text that was not (a lexical scan is all it gets), and
   * `reason` says which limit. `undefined` when the whole command line was judged.
   */
  beyondLimits: { reason: string; unjudged: string } | undefined;
}
