/**
 * The high-entropy detector: random-looking tokens in new lines that no named rule knows (a vendor's
 * key format secretlint has no rule for, a generated password). Thresholds, chosen to err on the side
 * of blocking (a false alarm costs an allow-list entry; a miss costs a leaked credential):
 *
 * - a token is a run of at least {@link MIN_TOKEN_LENGTH} characters of the base64 / base64url alphabet
 *   (`A-Z a-z 0-9 + / = _ -`);
 * - a hex token (only `0-9 a-f`, one case) is flagged at {@link HEX_THRESHOLD} bits per character;
 * - any other token needs a letter and a digit (a random base64 string of 20 characters lacks a digit
 *   about 3% of the time), characters that change class (lower, upper, digit, other) often enough
 *   ({@link MIN_CLASS_CHANGES}: names made of words change rarely), and {@link BASE64_THRESHOLD} bits
 *   per character, lowered for short tokens, whose entropy cannot reach it: a random 20-character
 *   string averages about 4.0 bits, a 40-character one about 4.9.
 *
 * Allowances (lines that carry random-looking data that is not secret): lockfile integrity hashes and
 * tarball URLs (`integrity`, `resolved`, `checksum` lines of npm, yarn, pnpm and Cargo lockfiles, every
 * line of `go.sum`), git commit ids where a commit id is expected (`.git-blame-ignore-revs`, a workflow's
 * `uses: owner/action@<commit>`, the words `commit`/`reverts commit` before it). Nothing else is
 * skipped: test fixtures are scanned like any other file.
 */

/** The shortest token judged. */
export const MIN_TOKEN_LENGTH = 20;
/** Bits per character above which a hex token is flagged (random hex averages 3.6–3.9 at 20–64 chars). */
export const HEX_THRESHOLD = 3.0;
/** Bits per character above which a long base64-like token is flagged. */
export const BASE64_THRESHOLD = 4.3;

/** The least share of neighbouring characters of different classes in a flagged base64-like token. */
export const MIN_CLASS_CHANGES = 0.4;
/** The same for a token of one case and digits (random ones change class less: about 0.4). */
export const MIN_CLASS_CHANGES_ONE_CASE = 0.25;

/** A random-looking token of a line: where it is (column, 0-based) and how random it looks. */
export interface HighEntropyToken {
  column: number;
  token: string;
  /** Shannon entropy, bits per character. */
  entropy: number;
  kind: 'hex' | 'base64';
}

const TOKEN = /[A-Za-z0-9+/=_-]{20,}/g;
const HEX = /^(?:[0-9a-f]+|[0-9A-F]+)$/;

/** Shannon entropy of `text` in bits per character (0 for an empty string). */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const character of text) counts.set(character, (counts.get(character) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const share = count / text.length;
    entropy -= share * Math.log2(share);
  }
  return entropy;
}

/**
 * The threshold for a base64-like token of `length` characters: {@link BASE64_THRESHOLD}, or less for a
 * token too short to reach it (85% of the most a string that long can have, log2 of its length).
 */
function base64Threshold(length: number): number {
  return Math.min(BASE64_THRESHOLD, 0.85 * Math.log2(length));
}

/** The random-looking tokens of one new line of `file`, allowances applied. */
export function findHighEntropyTokens(file: string, text: string): HighEntropyToken[] {
  if (text.length < MIN_TOKEN_LENGTH || isAllowedLine(file, text)) return [];
  const found: HighEntropyToken[] = [];
  for (const match of text.matchAll(TOKEN)) {
    // Padding and separators at the ends carry no randomness and are not part of a key.
    const token = match[0].replace(/^[-_=/+]+|[-_=/+]+$/g, '');
    if (token.length < MIN_TOKEN_LENGTH) continue;
    const column = match.index + match[0].indexOf(token);
    const entropy = shannonEntropy(token);
    if (HEX.test(token)) {
      if (entropy >= HEX_THRESHOLD && !isCommitIdInPlace(file, text, column, token))
        found.push({ column, token, entropy, kind: 'hex' });
      continue;
    }
    if (!/[A-Za-z]/.test(token) || !/[0-9]/.test(token)) continue;
    const changes = classChanges(token);
    if (
      changes < (/[A-Z]/.test(token) && /[a-z]/.test(token) ? MIN_CLASS_CHANGES : MIN_CLASS_CHANGES_ONE_CASE)
    )
      continue;
    if (entropy >= base64Threshold(token.length)) found.push({ column, token, entropy, kind: 'base64' });
  }
  return found;
}

const LOCKFILE_KEYS: ReadonlyArray<[RegExp, RegExp]> = [
  // npm (and the copy npm keeps in node_modules/.package-lock.json): "integrity": "sha512-…", "resolved": …
  [/(^|\/)\.?(package-lock|npm-shrinkwrap)\.json$/, /^\s*"(integrity|resolved)"\s*:/],
  [/(^|\/)yarn\.lock$/, /^\s*(integrity|resolved|checksum)\b/],
  [/(^|\/)pnpm-lock\.yaml$/, /^\s*(integrity|resolution|tarball)\s*:|\{\s*integrity\s*:/],
  [/(^|\/)Cargo\.lock$/, /^\s*checksum\s*=/],
  [/(^|\/)bun\.lock$/, /"sha\d+-[A-Za-z0-9+/=]+"/],
];

function isAllowedLine(file: string, text: string): boolean {
  if (/(^|\/)go\.sum$/.test(file)) return true;
  return LOCKFILE_KEYS.some(([name, line]) => name.test(file) && line.test(text));
}

/** A 40- or 64-digit hex commit id where a commit id is expected. */
function isCommitIdInPlace(file: string, text: string, column: number, token: string): boolean {
  if (token.length !== 40 && token.length !== 64) return false;
  if (/(^|\/)\.git-blame-ignore-revs$/.test(file)) return true;
  const before = text.slice(0, column);
  // A pinned GitHub Action: `uses: actions/checkout@<commit>`.
  if (/\buses:\s*\S+@$/.test(before)) return true;
  return /\b(commit|reverts commit|cherry picked from commit)\s+$/i.test(before);
}

/** A character's class: lower case, upper case or digit. */
function classOf(character: string): number {
  if (character >= 'a' && character <= 'z') return 0;
  if (character >= 'A' && character <= 'Z') return 1;
  return 2;
}

/**
 * The share of neighbouring letters and digits of different classes (lower, upper, digit), separators
 * (`-_/+=`) left out: about 0.6 in random base64, 0.4 in random lower case and digits, under 0.4 in names
 * made of words (`LanguageModelV3CallOptions`: 0.36, `cli-win32-arm64`: 0.25).
 */
function classChanges(token: string): number {
  const characters = token.replace(/[-_/+=]/g, '');
  let changes = 0;
  for (let index = 1; index < characters.length; index += 1)
    if (classOf(characters[index]!) !== classOf(characters[index - 1]!)) changes += 1;
  return characters.length < 2 ? 0 : changes / (characters.length - 1);
}
