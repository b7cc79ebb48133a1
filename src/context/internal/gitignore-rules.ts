import ignore, { type Ignore } from 'ignore';

/** One `.gitignore`: its rules and the directory (relative to the root, `''` for it) they are relative to. */
export interface IgnoreRules {
  base: string;
  matcher: Ignore;
}

/** A `.gitignore` larger than this is not read (a hostile one would only cost memory). */
export const MAX_GITIGNORE_BYTES = 256 * 1024;

export function parseGitignore(content: string, base: string): IgnoreRules {
  return { base, matcher: ignore({ allowRelativePaths: true }).add(content) };
}

/**
 * Git's precedence: the deepest `.gitignore` with a rule that matches decides (a `!` rule un-ignores).
 * Callers never ask about a path inside an ignored directory: they do not walk into one.
 */
export function isIgnored(rules: readonly IgnoreRules[], relative: string, isDirectory: boolean): boolean {
  for (let index = rules.length - 1; index >= 0; index -= 1) {
    const { base, matcher } = rules[index] as IgnoreRules;
    const own = base === '' ? relative : relative.slice(base.length + 1);
    let result: { ignored: boolean; unignored: boolean };
    try {
      result = matcher.checkIgnore(isDirectory ? `${own}/` : own);
    } catch {
      // A name the library refuses as a path (none that git could ignore either).
      continue;
    }
    if (result.ignored) return true;
    if (result.unignored) return false;
  }
  return false;
}

/**
 * The files of a flat list that no `.gitignore` in the list excludes: the same decisions a walk makes,
 * for a caller that can only list and read (the agent's workspace view). `readGitignore` returns the
 * text of one listed `.gitignore`, or undefined when it cannot be read.
 */
export async function withoutIgnored(
  paths: readonly string[],
  readGitignore: (path: string) => Promise<string | undefined>,
): Promise<string[]> {
  const listed = new Set(paths);
  // Per directory: the rules in force inside it, or null when the directory itself is ignored.
  const directories = new Map<string, IgnoreRules[] | null>([['', []]]);
  const rulesInside = async (directory: string): Promise<IgnoreRules[] | null> => {
    const known = directories.get(directory);
    if (known !== undefined) return known;
    const slash = directory.lastIndexOf('/');
    const parent = slash < 0 ? '' : directory.slice(0, slash);
    const outer = await rulesInside(parent);
    let own: IgnoreRules[] | null = null;
    if (outer !== null && !isIgnored(outer, directory, true)) {
      own = await withOwnGitignore(outer, directory);
    }
    directories.set(directory, own);
    return own;
  };
  const withOwnGitignore = async (outer: IgnoreRules[], directory: string): Promise<IgnoreRules[]> => {
    const file = directory === '' ? '.gitignore' : `${directory}/.gitignore`;
    if (!listed.has(file)) return outer;
    const content = await readGitignore(file);
    return content === undefined ? outer : [...outer, parseGitignore(content, directory)];
  };
  directories.set('', await withOwnGitignore([], ''));
  const kept: string[] = [];
  for (const file of paths) {
    const slash = file.lastIndexOf('/');
    const rules = await rulesInside(slash < 0 ? '' : file.slice(0, slash));
    if (rules !== null && !isIgnored(rules, file, false)) kept.push(file);
  }
  return kept;
}
