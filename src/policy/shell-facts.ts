import { flagWriteTargets } from './internal/flag-write-targets.ts';
import { remoteEffects } from './internal/remote-effects.ts';
import { hasHiddenCharacters, hasMixedScripts } from './internal/suspicious-characters.ts';
import { programName, skipOptions } from './internal/unwrap-command.ts';
import type { ShellWord } from './internal/word-value.ts';
import { pathLikeArguments, writeTargets } from './internal/write-targets.ts';
import type { ShellCommand } from './shell-command.ts';
import { isSystemReadable, type WorkspacePaths } from './workspace-paths.ts';

/** The facts about one simple command that a bundle sees as `context` of `tool.shell`. */
export interface ShellFacts {
  program: string;
  commandWord: string;
  subcommand: string;
  args: string[];
  flags: string[];
  line: string;
  wrappers: string[];
  inputsFrom: string[];
  opaque: boolean;
  dynamicCommand: boolean;
  definedFunction: boolean;
  riskyEnvironment: boolean;
  writesOutside: boolean;
  writesProtected: boolean;
  readsOutside: boolean;
  uncertainWrites: boolean;
  publishes: boolean;
  pushes: boolean;
  remoteEffectUncertain: boolean;
  hiddenCharacters: boolean;
  mixedScripts: boolean;
  /** Hosts named by URLs in its words (`https://host/...`, `git@host:path`), lower case. */
  urlHosts: string[];
  /** Not given to Cedar: the write targets as resolved, for `warden policy explain`. */
  [extra: string]: unknown;
}

/** Global options that take a value, so the subcommand is found after them (`git -C dir push`). */
const VALUE_OPTIONS: Record<string, Set<string>> = {
  git: new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--exec-path', '--config-env']),
  npm: new Set(['--prefix', '-w', '--workspace', '--userconfig', '--registry']),
  pnpm: new Set(['-C', '--dir', '--filter', '-F']),
  yarn: new Set(['--cwd']),
  cargo: new Set(['--manifest-path', '-Z', '--config', '-C']),
  go: new Set(['-C']),
};

/**
 * Turns one parsed simple command into facts: its program and subcommand, options, and where its
 * writes and reads land once resolved against the workspace (symlinks followed).
 */
export function deriveShellFacts(
  command: ShellCommand,
  paths: WorkspacePaths,
  wholeLine: string,
  lineFacts: LineFacts = describeLine(wholeLine),
): ShellFacts {
  const head = command.argv[0];
  const program = head === undefined ? '' : head.literal ? programName(head.value) : head.text;
  const args = command.argv.slice(1);
  const start = skipOptions(args, VALUE_OPTIONS[program] ?? new Set());
  const subcommand = args[start]?.literal ? (args[start]?.value ?? '') : '';
  const flags = new Set<string>();
  for (const word of args) {
    if (!word.value.startsWith('-') || word.value === '-' || word.value === '--') continue;
    flags.add(word.value.includes('=') ? word.value.slice(0, word.value.indexOf('=')) : word.value);
    if (/^-[A-Za-z]{2,}$/.test(word.value)) for (const letter of word.value.slice(1)) flags.add(`-${letter}`);
  }
  const expand = (words: ShellWord[]) =>
    words.flatMap((word) =>
      word.value === '{}' && command.placeholderPaths !== undefined ? command.placeholderPaths : [word],
    );
  const flagged = flagWriteTargets(program, args);
  const writes = expand([...command.redirectWrites, ...writeTargets(program, args), ...flagged.files]);
  // A directory written into is judged like a read of it for protection (writing into the workspace
  // root is not removing it), like a write for everything else.
  const intoDirectories = expand(flagged.directories);
  // Programs whose operands are what they write: any operand only known at run time is uncertain. (A
  // target named by an option is judged on its own below.)
  const writingProgram = writeTargets(program, args).length > 0 || isWriter(program);
  const reads = expand([...command.redirectReads, ...pathLikeArguments(args)]);
  let writesOutside = false;
  let writesProtected = false;
  let uncertainWrites = command.appendedArguments && writingProgram;
  const resolvedWrites: string[] = [];
  for (const word of [...writes, ...intoDirectories]) {
    if (!word.literal) {
      uncertainWrites = true;
      continue;
    }
    const resolved = paths.resolve(word.value, command.cwd, { write: !intoDirectories.includes(word) });
    resolvedWrites.push(`${resolved.relativePath || '.'} (${resolved.place})`);
    if (resolved.place === 'outside') writesOutside = true;
    else if (resolved.place === 'protected') writesProtected = true;
    else if (resolved.place === 'uncertain') uncertainWrites = true;
  }
  if (writingProgram && args.some((word) => !word.literal && !word.value.startsWith('-')))
    uncertainWrites = true;
  const readsOutside =
    reads.some((word) => {
      if (!word.literal) return false;
      const resolved = paths.resolve(word.value, command.cwd);
      return resolved.place === 'outside' && !isSystemReadable(resolved.relativePath);
    }) || [...args, ...command.redirectReads].some((word) => !word.literal && HOME_EXPANSION.test(word.text));
  const remote = remoteEffects(program, args, command.appendedArguments);
  return {
    program,
    commandWord: head?.text ?? '',
    subcommand,
    args: args.map((word) => word.value),
    flags: [...flags],
    line: command.line,
    wrappers: command.wrappers,
    inputsFrom: [...new Set(command.inputsFrom)],
    opaque: command.opaque,
    dynamicCommand: head !== undefined && !head.literal,
    definedFunction: command.definedFunction,
    riskyEnvironment: command.riskyEnvironment,
    writesOutside,
    writesProtected,
    readsOutside,
    uncertainWrites,
    publishes: remote.publishes,
    pushes: remote.pushes,
    remoteEffectUncertain: remote.uncertain,
    hiddenCharacters: lineFacts.hiddenCharacters,
    mixedScripts: lineFacts.mixedScripts,
    urlHosts: urlHostsOf([command.line, ...args.map((word) => word.value)]),
    resolvedWrites,
  };
}

/** `scheme://[user@]host`, and git's `user@host:path`. */
const URL_HOST =
  /\b[a-z][a-z0-9+.-]*:\/\/(?:[^\s/@'"]*@)?(\[[0-9a-f:.]+\]|[^\s/:'"?#)\\]+)|\b[\w.-]+@([a-z0-9-]+(?:\.[a-z0-9-]+)+):(?!\/\/)/gi;

/** The hosts URLs in `texts` name, once each, in lower case. */
function urlHostsOf(texts: readonly string[]): string[] {
  const hosts = new Set<string>();
  for (const text of texts) {
    for (const match of text.matchAll(URL_HOST)) {
      const host = (match[1] ?? match[2] ?? '').toLowerCase().replace(/\.$/, '');
      if (host !== '') hosts.add(host);
    }
  }
  return [...hosts];
}

/** A word that starts in the home directory through a variable: `$HOME/.ssh`, `"${HOME}"/.aws`. */
const HOME_EXPANSION = /^["']?\$\{?(HOME|USERPROFILE|XDG_CONFIG_HOME|XDG_DATA_HOME)\b/;

/** Facts about the whole command line, the same for each of its simple commands. */
export interface LineFacts {
  hiddenCharacters: boolean;
  mixedScripts: boolean;
}

/** Computes the line's facts once, for a command line whose simple commands are many. */
export function describeLine(line: string): LineFacts {
  return { hiddenCharacters: hasHiddenCharacters(line), mixedScripts: hasMixedScripts(line) };
}

function isWriter(program: string): boolean {
  return [
    'rm',
    'rmdir',
    'unlink',
    'shred',
    'mv',
    'cp',
    'ln',
    'install',
    'chmod',
    'chown',
    'chgrp',
    'truncate',
    'dd',
    'tee',
    'touch',
    'mkdir',
  ].includes(program);
}
