import { GIT_OPTIONS_WITH_VALUE } from './git-global-options.ts';
import { MANAGERS, type Manager } from './package-managers.ts';
import { skipOptions } from './unwrap-command.ts';
import type { ShellWord } from './word-value.ts';

/** What a simple command does to a package registry or a git remote, as far as its words tell. */
export interface RemoteEffects {
  /** Publishes, unpublishes, yanks or retags a package (`npm pub`, `npm --tag beta publish`, `cargo yank`). */
  publishes: boolean;
  /** Sends commits to a remote (`git push`, `git -c x=y push`, `git subtree push`, `git send-email`). */
  pushes: boolean;
  /** A program that can publish or push, whose deciding word is only known at run time (`xargs npm`, `npm $VERB`). */
  uncertain: boolean;
}

const NONE: RemoteEffects = { publishes: false, pushes: false, uncertain: false };

/** Git subcommands that send commits or patches away. */
const GIT_PUSHES = new Set(['push', 'send-email']);
/** Git subcommands whose own subcommand may push (`git subtree push`, `git lfs push`, `git svn dcommit`). */
const GIT_NESTED_PUSHES: Record<string, readonly string[]> = {
  subtree: ['push'],
  lfs: ['push'],
  svn: ['dcommit'],
  p4: ['submit'],
};
/** Package managers' entry scripts, run by `node` directly. */
const NODE_SCRIPTS: Record<string, string> = {
  'npm-cli.js': 'npm',
  npm: 'npm',
  'pnpm.cjs': 'pnpm',
  'pnpm.js': 'pnpm',
  pnpm: 'pnpm',
  'yarn.js': 'yarn',
  'yarn.cjs': 'yarn',
  yarn: 'yarn',
};

const PYTHONS = /^(python|python\d(\.\d+)?|pypy\d?)$/;

/**
 * The remote effects of one simple command, read from its words (after wrappers were peeled):
 * flag-first and abbreviated forms, nested package-manager commands, `python setup.py upload`,
 * `python -m twine upload`, Maven and Gradle goals, git's global options. `appendedArguments`: the
 * command gets more words at run time (`xargs`).
 */
export function remoteEffects(
  program: string,
  args: readonly ShellWord[],
  appendedArguments: boolean,
): RemoteEffects {
  if (program === 'git') return gitEffects(args, appendedArguments);
  if (program === 'node') {
    // `node /usr/lib/node_modules/npm/bin/npm-cli.js publish` is npm.
    const script = args.findIndex((word) => !word.value.startsWith('-'));
    const name = script < 0 ? '' : (args[script] as ShellWord).value.split('/').pop();
    const manager = NODE_SCRIPTS[name ?? ''];
    if (manager !== undefined) return remoteEffects(manager, args.slice(script + 1), appendedArguments);
  }
  if (PYTHONS.test(program)) return pythonEffects(args, appendedArguments);
  if (program === 'mvn' || program === 'mvnw') {
    return goals(args, appendedArguments, (goal) => /^(deploy|release:|deploy:)/.test(goal));
  }
  if (program === 'gradle' || program === 'gradlew') {
    return goals(
      args,
      appendedArguments,
      (goal) => /(^|:)publish/.test(goal) && !/publishToMavenLocal$/.test(goal),
    );
  }
  const manager = MANAGERS[program];
  return manager === undefined ? NONE : managerEffects(manager, args, appendedArguments);
}

function managerEffects(manager: Manager, args: readonly ShellWord[], appended: boolean): RemoteEffects {
  const values = new Set(manager.values ?? []);
  let optionsEnded = false;
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as ShellWord;
    // `npm -- publish` still publishes: after `--` every word is a positional.
    if (word.value === '--' && !optionsEnded) {
      optionsEnded = true;
      continue;
    }
    if (!optionsEnded && word.value.startsWith('-')) {
      if (values.has(word.value)) index += 1;
      continue;
    }
    if (!word.literal) return { ...NONE, uncertain: true };
    if (isVerb(manager, word.value)) return { ...NONE, publishes: true };
    if (manager.transparent?.includes(word.value)) continue;
    if (manager.known.includes(word.value)) return NONE;
  }
  return appended ? { ...NONE, uncertain: true } : NONE;
}

function isVerb(manager: Manager, word: string): boolean {
  if (manager.verbs.includes(word)) return true;
  const shortest = manager.abbreviation;
  if (shortest === undefined || word.length < shortest) return false;
  const matches = [...manager.verbs, ...manager.known].filter((name) => name.startsWith(word));
  return matches.length > 0 && matches.every((name) => manager.verbs.includes(name));
}

function gitEffects(args: readonly ShellWord[], appended: boolean): RemoteEffects {
  const start = skipOptions(args, GIT_OPTIONS_WITH_VALUE);
  const subcommand = args[start];
  if (subcommand === undefined) return appended ? { ...NONE, uncertain: true } : NONE;
  if (!subcommand.literal) return { ...NONE, uncertain: true };
  if (GIT_PUSHES.has(subcommand.value)) return { ...NONE, pushes: true };
  const nested = GIT_NESTED_PUSHES[subcommand.value];
  if (nested !== undefined) {
    const rest = args.slice(start + 1);
    const verb = rest[skipOptions(rest, new Set(['-P', '--prefix']))];
    if (verb === undefined) return appended ? { ...NONE, uncertain: true } : NONE;
    if (!verb.literal) return { ...NONE, uncertain: true };
    if (nested.includes(verb.value)) return { ...NONE, pushes: true };
  }
  return NONE;
}

function pythonEffects(args: readonly ShellWord[], appended: boolean): RemoteEffects {
  const module = args.findIndex((word) => word.value === '-m');
  if (module >= 0 && args[module + 1] !== undefined) {
    const name = args[module + 1] as ShellWord;
    if (!name.literal) return { ...NONE, uncertain: true };
    return remoteEffects(name.value, args.slice(module + 2), appended);
  }
  const script = args.findIndex((word) => /(^|\/)setup\.py$/.test(word.value));
  if (script < 0) return NONE;
  const commands = args.slice(script + 1);
  if (commands.some((word) => ['upload', 'register', 'upload_docs'].includes(word.value)))
    return { ...NONE, publishes: true };
  if (commands.some((word) => !word.literal) || appended) return { ...NONE, uncertain: true };
  return NONE;
}

/** Build tools that take a list of goals or tasks: any one that publishes counts. */
function goals(
  args: readonly ShellWord[],
  appended: boolean,
  publishing: (goal: string) => boolean,
): RemoteEffects {
  for (const word of args) {
    if (word.value.startsWith('-')) continue;
    if (!word.literal) return { ...NONE, uncertain: true };
    if (publishing(word.value)) return { ...NONE, publishes: true };
  }
  return appended ? { ...NONE, uncertain: true } : NONE;
}
