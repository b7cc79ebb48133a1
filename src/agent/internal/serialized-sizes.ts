/**
 * UTF-8 sizes of values as `JSON.stringify` writes them, each value serialised once. A task's
 * conversation only grows (messages are appended, never edited) and its tool schemas never change, so
 * the size of the whole request, needed before every model call, is the sum of sizes already known plus
 * the new messages': serialising the whole conversation at each step would cost more the longer the
 * task ran. Values are known by identity.
 */
export class SerializedSizes {
  readonly #bytes = new WeakMap<object, number>();

  /** Bytes of `JSON.stringify(value)`. */
  of(value: object): number {
    let bytes = this.#bytes.get(value);
    if (bytes === undefined) {
      bytes = Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
      this.#bytes.set(value, bytes);
    }
    return bytes;
  }

  /** Bytes of `JSON.stringify(values)`: the brackets, a comma between two values, and each value. */
  ofArray(values: readonly object[]): number {
    let bytes = values.length === 0 ? 2 : values.length + 1;
    for (const value of values) bytes += this.of(value);
    return bytes;
  }
}
