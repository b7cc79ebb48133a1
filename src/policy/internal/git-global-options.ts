/**
 * git's global options that take a separate value (`git -C DIR push`, `git -c k=v push`): skipped to find
 * the subcommand, by every fact that reads a git command line.
 */
export const GIT_OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set([
  '-C',
  '-c',
  '--git-dir',
  '--work-tree',
  '--namespace',
  '--exec-path',
  '--config-env',
  '--super-prefix',
  '--list-cmds',
]);
