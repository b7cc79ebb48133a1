/** What a map is personalised by, once read from the task's words. */
export interface FocusTerms {
  /** Words of the task that could be identifiers, and the identifiers given. */
  identifiers: Set<string>;
  /** Files (relative, `/`-separated) named by the task, given as paths, or already read or edited. */
  files: Set<string>;
}

const WORD = /[A-Za-z_$][\w$]*/g;
/** Something shaped like a path: has a slash or ends in a short extension (`src/a.ts`, `main.go`). */
const PATH_LIKE = /[\w.\-/]*(?:\/[\w.-]+|\.[A-Za-z][A-Za-z0-9]{0,5})/g;
/** Read from the task text at most: a pasted log cannot make the focus unbounded. */
const MAX_TEXT_CHARS = 64 * 1024;

/**
 * The identifiers and files a task points at. Paths in the text only count when they name a mapped file
 * (exactly, by a trailing part such as `context/repo-map.ts`, or by file name); `paths` and `filesRead`
 * are taken as given when mapped. Words are kept whole; matching them against definitions is the
 * ranking's job.
 */
export function focusTerms(
  mapped: readonly string[],
  focus: { text?: string; paths?: string[]; identifiers?: string[]; filesRead?: string[] },
): FocusTerms {
  const text = (focus.text ?? '').slice(0, MAX_TEXT_CHARS);
  const identifiers = new Set<string>(focus.identifiers ?? []);
  for (const match of text.matchAll(WORD)) {
    if (match[0].length >= 3) identifiers.add(match[0]);
  }
  const known = new Set(mapped);
  const files = new Set<string>();
  for (const file of [...(focus.paths ?? []), ...(focus.filesRead ?? [])]) {
    const normal = normalise(file);
    if (known.has(normal)) files.add(normal);
  }
  const mentioned = new Set<string>();
  for (const match of text.matchAll(PATH_LIKE)) {
    const normal = normalise(match[0].replace(/[.]+$/, ''));
    if (normal.length >= 3) mentioned.add(normal);
  }
  if (mentioned.size > 0) {
    for (const file of mapped) {
      const name = file.slice(file.lastIndexOf('/') + 1);
      for (const term of mentioned) {
        if (file === term || file.endsWith(`/${term}`) || name === term) files.add(file);
      }
    }
  }
  return { identifiers, files };
}

function normalise(file: string): string {
  return file.replaceAll('\\', '/').replace(/^(\.\/)+/, '');
}
