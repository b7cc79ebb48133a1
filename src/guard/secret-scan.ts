import { createHmac, randomBytes } from 'node:crypto';
import { findHighEntropyTokens } from './internal/high-entropy.ts';
import { loadSecretlint, type RuleLinter } from './internal/secretlint-rules.ts';

/** One line a change adds: the file (repository path), its line number there (1-based) and its text. */
export interface AddedLine {
  file: string;
  line: number;
  text: string;
}

/**
 * A secret found, told without the secret: where, which rule, and a fingerprint (a salted hash of the
 * secret) that tells two findings of the same secret apart from two of different ones, and names it in
 * an allow-list, but cannot be turned back into it.
 */
export interface SecretFinding {
  /** The file (repository path) or, for text bound for the forge, what it is (`pull request body`). */
  file: string;
  /** 1-based line where the secret starts. */
  line: number;
  /** `aws`, `privatekey`, `github`… (secretlint's recommended rules) or `high-entropy`. */
  rule: string;
  /** What was found, the secret masked out. */
  message: string;
  /** 16 hex digits: HMAC-SHA-256 of the secret under the scanner's salt. */
  fingerprint: string;
}

/**
 * A finding an operator has accepted (a test fixture's fake key, a public key id). Every field given
 * must match; `fingerprint` or `path` must be given, so that nothing is allowed everywhere.
 */
export interface SecretAllowance {
  /** The finding's fingerprint (from `secret-detected` or the task's detail). */
  fingerprint?: string | undefined;
  /** A file, or a folder ending in `/`, of the repository. */
  path?: string | undefined;
  /** The rule (`high-entropy`, `aws`…). */
  rule?: string | undefined;
  /** Only in this repository (its absolute path as the task names it); undefined: any. */
  repo?: string | undefined;
  /** Why it is allowed, for whoever reads the config next. */
  reason: string;
}

export interface SecretScannerSettings {
  /**
   * What fingerprints are salted with: a secret of the installation (the composition root derives one
   * from the data directory's journal key), so that fingerprints stay the same across runs. Undefined:
   * random, for this scanner only (fingerprints then name no secret in an allow-list).
   */
  salt?: string | undefined;
  allow?: readonly SecretAllowance[] | undefined;
}

/** Where a scan happens, for allowances bound to a repository. */
export interface ScanContext {
  /** The repository the change or text belongs to; undefined: allowances bound to one never apply. */
  repo?: string | undefined;
}

/** Scans changes and text for secrets; never returns, throws or logs a secret. */
export interface SecretScanner {
  /**
   * The secrets in the lines a change adds (secretlint's recommended rules, then high entropy), file by
   * file, in order; allowances applied. A secret over several added lines (a private key) is one finding,
   * at its first line.
   */
  scanLines(lines: Iterable<AddedLine>, context?: ScanContext): Promise<SecretFinding[]>;
  /** The secrets in `text` bound for the forge (a pull request body, a comment), named `what`. */
  scanText(what: string, text: string, context?: ScanContext): Promise<SecretFinding[]>;
  /**
   * `text` with every secret the rules or the entropy check find replaced by `[secret FINGERPRINT]`, for
   * text shown outside (exported telemetry). No allowance applies: an allowed secret is still one.
   */
  redact(text: string): Promise<string>;
}

/**
 * A secret scanner. Nothing is loaded until the first scan (secretlint's rules load then, once).
 * The rule that honours `secretlint-disable` comments is not used: the scanned text is the agent's.
 */
export function createSecretScanner(settings: SecretScannerSettings = {}): SecretScanner {
  const salt = settings.salt ?? randomBytes(32).toString('hex');
  const allow = settings.allow ?? [];
  let linter: Promise<RuleLinter> | undefined;
  const lint = (file: string, content: string) => {
    linter ??= loadSecretlint();
    return linter.then((run) => run(file, content));
  };
  const fingerprint = (secret: string) =>
    createHmac('sha256', salt).update(secret).digest('hex').slice(0, 16);

  const scanFile = async (file: string, lines: readonly AddedLine[]): Promise<SecretFinding[]> => {
    // The added lines at their own line numbers, every other line empty: a finding's line is the file's,
    // and lines that are not new cannot complete a pattern.
    const last = lines.reduce((most, added) => Math.max(most, added.line), 0);
    const rows: string[] = new Array(last).fill('');
    for (const added of lines) rows[added.line - 1] = added.text;
    const content = rows.join('\n');
    const findings: SecretFinding[] = [];
    const covered = new Set<number>();
    for (const match of await lint(file, content)) {
      const secret = content.slice(match.range[0], match.range[1]);
      findings.push({
        file,
        line: match.line,
        rule: match.rule,
        message: match.message,
        fingerprint: fingerprint(secret),
      });
      const endLine = match.line + countNewlines(secret);
      for (let line = match.line; line <= endLine; line += 1) covered.add(line);
    }
    for (const added of lines) {
      // A line a rule named already is not reported twice.
      if (covered.has(added.line)) continue;
      for (const token of findHighEntropyTokens(file, added.text)) {
        findings.push({
          file,
          line: added.line,
          rule: 'high-entropy',
          message: `a ${token.kind} string of ${token.token.length} characters with ${token.entropy.toFixed(2)} bits of entropy per character`,
          fingerprint: fingerprint(token.token),
        });
      }
    }
    return findings;
  };

  const allowed = (finding: SecretFinding, context: ScanContext) =>
    allow.some(
      (entry) =>
        (entry.fingerprint !== undefined || entry.path !== undefined) &&
        (entry.fingerprint === undefined || entry.fingerprint === finding.fingerprint) &&
        (entry.path === undefined || pathMatches(entry.path, finding.file)) &&
        (entry.rule === undefined || entry.rule === finding.rule) &&
        (entry.repo === undefined || entry.repo === context.repo),
    );

  return {
    async scanLines(lines, context = {}) {
      const byFile = new Map<string, AddedLine[]>();
      for (const added of lines) {
        const list = byFile.get(added.file);
        if (list) list.push(added);
        else byFile.set(added.file, [added]);
      }
      const findings: SecretFinding[] = [];
      for (const [file, added] of byFile) findings.push(...(await scanFile(file, added)));
      return findings.filter((finding) => !allowed(finding, context));
    },
    async scanText(what, text, context = {}) {
      const lines = text.split('\n').map((line, index) => ({ file: what, line: index + 1, text: line }));
      return (await scanFile(what, lines)).filter((finding) => !allowed(finding, context));
    },
    async redact(text) {
      if (text.length < 8) return text;
      const mask = (secret: string) => `[secret ${fingerprint(secret)}]`;
      // Overlapping matches merged, then replaced from the last: earlier offsets stay true.
      const merged: Array<[number, number]> = [];
      for (const [start, end] of (await lint('text', text))
        .map((match) => match.range)
        .sort((a, b) => a[0] - b[0])) {
        const last = merged.at(-1);
        if (last && start <= last[1]) last[1] = Math.max(last[1], end);
        else merged.push([start, end]);
      }
      let redacted = text;
      for (const [start, end] of merged.reverse()) {
        redacted = redacted.slice(0, start) + mask(text.slice(start, end)) + redacted.slice(end);
      }
      return redacted
        .split('\n')
        .map((line) =>
          findHighEntropyTokens('text', line).reduce(
            (masked, token) => masked.split(token.token).join(mask(token.token)),
            line,
          ),
        )
        .join('\n');
    },
  };
}

/** One line naming a finding, for a task's detail or a refusal: where, which rule, which fingerprint. */
export function describeSecretFinding(finding: SecretFinding): string {
  return `${finding.file}:${finding.line}: ${finding.message} (rule ${finding.rule}, fingerprint ${finding.fingerprint})`;
}

function pathMatches(pattern: string, file: string): boolean {
  return pattern.endsWith('/') ? file.startsWith(pattern) : file === pattern;
}

function countNewlines(text: string): number {
  let count = 0;
  for (const character of text) if (character === '\n') count += 1;
  return count;
}
