/** Keeps the first `limit` bytes of a stream and counts all of them. */
export interface CappedOutput {
  push(chunk: Buffer): void;
  /** Counts `count` bytes that were seen elsewhere and not kept. */
  skip(count: number): void;
  /** The kept bytes as UTF-8; invalid sequences (binary output, a cut character) become U+FFFD. */
  text(): string;
  /** Every byte seen, kept or not. */
  readonly bytes: number;
  readonly truncated: boolean;
}

export function createCappedOutput(limit: number): CappedOutput {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let bytes = 0;
  return {
    push(chunk) {
      bytes += chunk.length;
      const room = limit - keptBytes;
      if (room <= 0) return;
      const piece = chunk.length <= room ? chunk : chunk.subarray(0, room);
      kept.push(piece);
      keptBytes += piece.length;
    },
    skip(count) {
      bytes += count;
    },
    text() {
      return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(kept));
    },
    get bytes() {
      return bytes;
    },
    get truncated() {
      return bytes > keptBytes;
    },
  };
}
