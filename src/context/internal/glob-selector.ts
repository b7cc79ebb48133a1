import ignore from 'ignore';

/** What a set of globs says about one path: searched whatever else says, skipped, or no opinion. */
export type GlobDecision = 'include' | 'exclude' | undefined;

/**
 * ripgrep's `--glob` rules, so both search engines pick the same files: gitignore-style globs (one
 * without a `/` matches a name at any depth), `!glob` excludes, the last glob that matches decides,
 * and a glob that matches overrides `.gitignore`. When any glob is positive, a file that matches none
 * is excluded (a directory is still walked). Undefined when there are no globs.
 */
export function createGlobSelector(
  globs: readonly string[],
): ((relative: string, isDirectory: boolean) => GlobDecision) | undefined {
  if (globs.length === 0) return undefined;
  // Stored inverted: a positive glob is an "ignore" rule (matched: include), `!glob` an "unignore".
  const matcher = ignore({ allowRelativePaths: true }).add(globs.join('\n'));
  const hasPositive = globs.some((glob) => !glob.startsWith('!'));
  return (relative, isDirectory) => {
    let result: { ignored: boolean; unignored: boolean };
    try {
      result = matcher.checkIgnore(isDirectory ? `${relative}/` : relative);
    } catch {
      return isDirectory || !hasPositive ? undefined : 'exclude';
    }
    if (result.ignored) return 'include';
    if (result.unignored) return 'exclude';
    return hasPositive && !isDirectory ? 'exclude' : undefined;
  };
}
