import type { ModelMessage } from 'ai';

/**
 * The messages one model client has already had the AI SDK validate. `generateText` and `streamText`
 * check every message they are given against the `ModelMessage` schema on every call, and a step loop
 * resends its whole, growing conversation at each step: checked again and again, the history costs more
 * than the rest of the call together by a task's tenth step. A client gives the SDK only the messages it
 * has not checked yet (they are validated as before) and the whole conversation through `prepareStep`,
 * which the SDK sends as given; the check itself returns the messages unchanged, so what is sent is the
 * same.
 *
 * A message is known by identity: a conversation only grows (the agent loop appends and never edits), so
 * an object once checked is still valid when it is sent again. A call that fails checks nothing: its
 * messages are checked again by the next call.
 */
export class ValidatedMessages {
  readonly #checked = new WeakSet<ModelMessage>();

  /**
   * The messages of `messages` not checked yet, in order; the last message when every one was (the SDK
   * refuses an empty list, and checking one message again costs little).
   */
  unchecked(messages: readonly ModelMessage[]): ModelMessage[] {
    const unchecked = messages.filter((message) => !this.#checked.has(message));
    const last = messages.at(-1);
    return unchecked.length === 0 && last !== undefined ? [last] : unchecked;
  }

  /** Records `messages` as checked: the SDK accepted them. */
  add(messages: readonly ModelMessage[]): void {
    for (const message of messages) this.#checked.add(message);
  }
}
