import { runGit } from './git.ts';

/** One line a change adds: the file (repository path), its line number in the new version, its text. */
export interface AddedLine {
  file: string;
  line: number;
  text: string;
}

/**
 * The lines `commit` adds relative to `since` (default: its first parent, or the empty tree for a root
 * commit), read in the git directory `gitDir` (a bare directory Warden made, named outright: no work
 * tree, so no `.gitattributes`, diff driver or textconv applies). Binary files add no lines. A change
 * as data, for the secret scan: nothing of it runs.
 *
 * @throws SystemError `git-failed` when the commit cannot be read.
 */
export async function readAddedLines(gitDir: string, commit: string, since?: string): Promise<AddedLine[]> {
  const { stdout } = await runGit(
    [
      'diff-tree',
      '--root',
      '--no-commit-id',
      '-r',
      '-p',
      '--unified=0',
      '--no-renames',
      '--no-ext-diff',
      '--no-textconv',
      '--no-color',
      ...(since === undefined ? [] : [since]),
      commit,
    ],
    { cwd: gitDir, env: { GIT_DIR: gitDir }, config: { 'core.quotePath': 'false' } },
  );
  return parseAddedLines(stdout);
}

/** The added lines of a unified diff with no context lines (`--unified=0`). */
export function parseAddedLines(diff: string): AddedLine[] {
  const added: AddedLine[] = [];
  let file: string | null = null;
  let line = 0;
  let inHunk = false;
  for (const row of diff.split('\n')) {
    if (row.startsWith('diff --git ')) {
      file = null;
      inHunk = false;
    } else if (!inHunk && row.startsWith('+++ ')) {
      const name = row.slice(4);
      file = name === '/dev/null' ? null : stripPrefix(unquote(name));
    } else if (row.startsWith('@@ ')) {
      const start = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(row);
      line = start ? Number(start[1]) : 0;
      inHunk = start !== null;
    } else if (inHunk && file !== null && row.startsWith('+')) {
      added.push({ file, line, text: row.slice(1) });
      line += 1;
    }
  }
  return added;
}

function stripPrefix(name: string): string {
  return name.startsWith('b/') ? name.slice(2) : name;
}

/** A path as git quotes it when it holds a quote, a backslash or a control character (C-style). */
function unquote(name: string): string {
  if (!name.startsWith('"') || !name.endsWith('"')) return name;
  const bytes: number[] = [];
  const body = name.slice(1, -1);
  const escapes: Record<string, number> = { n: 10, t: 9, r: 13, b: 8, f: 12, a: 7, v: 11, '"': 34, '\\': 92 };
  for (let index = 0; index < body.length; index += 1) {
    const character = body[index]!;
    if (character !== '\\') {
      bytes.push(...Buffer.from(character));
      continue;
    }
    const next = body[index + 1] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(Number.parseInt(body.slice(index + 1, index + 4), 8));
      index += 3;
    } else {
      bytes.push(escapes[next] ?? next.charCodeAt(0));
      index += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
