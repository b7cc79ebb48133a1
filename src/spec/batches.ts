/** A vendor batch one model call waits on. */
export interface BatchRecord {
  /** SHA-256 of the exact request body the call sends. */
  requestHash: string;
  /** `anthropic` or `openai`. */
  vendor: string;
  batchId: string;
}

/**
 * Where batch waits are recorded durably: a call records its batch before waiting, so the same call made
 * again (after a crash) waits on that batch rather than submitting and paying for another.
 */
export interface BatchBook {
  /** The batch this request still waits on; `undefined` when none. */
  waiting(requestHash: string): Promise<BatchRecord | undefined>;
  submitted(record: BatchRecord): Promise<void>;
  /** The result was read: the next identical call is a new call. */
  ended(requestHash: string): Promise<void>;
}
