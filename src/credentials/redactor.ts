/** What stands in for a secret in redacted text. */
export const REDACTED = '[REDACTED]';

/** Fragments of a secret shorter than this are not redacted on their own (they would match noise). */
const MIN_FRAGMENT = 16;

/**
 * Replaces every secret it knows with `[REDACTED]`. The broker registers each secret it holds or mints
 * (signing key, GitHub App private key, installation tokens, task tokens, deploy secrets), so anything
 * headed for the journal, an error message or a prompt can be passed through `redact` first.
 *
 * A PEM key is known by its whole text and by each base64 line of its body, so a partial leak is caught
 * too. Binary secrets are known in hex, base64 and base64url.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  /** Registers a secret (a string or raw bytes). Empty values are ignored. */
  add(secret: string | Uint8Array): void {
    if (typeof secret !== 'string') {
      const buffer = Buffer.from(secret);
      if (buffer.length === 0) return;
      this.#secrets.add(buffer.toString('hex'));
      this.#secrets.add(buffer.toString('base64'));
      this.#secrets.add(buffer.toString('base64url'));
      return;
    }
    if (secret.length === 0) return;
    this.#secrets.add(secret);
    const trimmed = secret.trim();
    if (trimmed !== secret && trimmed.length > 0) this.#secrets.add(trimmed);
    // The form a secret takes inside JSON text (newlines and quotes escaped).
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) this.#secrets.add(escaped);
    if (trimmed.startsWith('-----BEGIN')) {
      for (const line of trimmed.split(/\r?\n/)) {
        if (!line.startsWith('-----') && line.trim().length >= MIN_FRAGMENT) this.#secrets.add(line.trim());
      }
    }
  }

  /** The text with every known secret replaced by `[REDACTED]`. */
  redact(text: string): string {
    let result = text;
    // Longest first, so a secret that contains another is replaced whole.
    const secrets = [...this.#secrets].sort((left, right) => right.length - left.length);
    for (const secret of secrets) result = result.split(secret).join(REDACTED);
    return result;
  }

  /** A JSON-compatible value with every string in it redacted (a deep copy). */
  redactValue<T>(value: T): T {
    if (value === undefined) return value;
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }

  /** Whether `text` contains a known secret. */
  contains(text: string): boolean {
    return this.redact(text) !== text;
  }
}
