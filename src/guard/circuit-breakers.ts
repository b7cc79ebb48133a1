import type { BreakerKind, BreakerRecord, SqliteBreakerStore } from '../store/index.ts';

/** Thresholds of the breakers (the `breakers` config section). */
export interface BreakerSettings {
  /** Tool calls in the sliding window of the tool-error breaker. */
  toolErrorWindow: number;
  /** Share of failed tool calls in the window that opens it (more than this share). */
  toolErrorRate: number;
  /** Consecutive failed calls to one model that open its provider breaker. */
  providerFailures: number;
  /** Seconds an open provider breaker waits before letting one half-open probe through. */
  providerOpenSeconds: number;
  /** Seconds a tool-error or loop breaker stays open unless reset. */
  openSeconds: number;
}

/** Something a breaker counts. Scopes are `task:ID`, `agent:NAME`, `team:NAME`, `fleet`, `model:KEY`. */
export type BreakerEvent =
  | { type: 'tool-call'; scopes: readonly string[]; failed: boolean }
  | { type: 'model-call'; modelKey: string; failed: boolean; detail?: string }
  | { type: 'loop'; scope: string; detail: string }
  | { type: 'spend-limit'; scope: string; detail: string; closesAt: Date };

export interface CircuitBreakersSettings {
  book: SqliteBreakerStore;
  settings: BreakerSettings;
  /** Default: the system clock. */
  clock?: () => Date;
  /**
   * Told about every breaker that opens (post the webhook, journal it). A failure here is passed to
   * `onNotifyError` and does not keep the breaker from opening.
   */
  notify?: (breaker: BreakerRecord) => Promise<void> | void;
  onNotifyError?: (error: unknown, breaker: BreakerRecord) => void;
}

/**
 * The circuit breakers: spend (a daily limit reached), tool-error rate over a sliding window, provider
 * errors (open after repeated failures, then one half-open probe), and loops. An open breaker stops new
 * work in its scope; it closes on its timer or with `reset`. State lives in the store so every worker
 * sees it; the counting windows live in this object (one per process).
 */
export class CircuitBreakers {
  readonly #book: SqliteBreakerStore;
  readonly #settings: BreakerSettings;
  readonly #clock: () => Date;
  readonly #notify: CircuitBreakersSettings['notify'];
  readonly #onNotifyError: CircuitBreakersSettings['onNotifyError'];
  readonly #toolCalls = new Map<string, boolean[]>();
  readonly #providerFailures = new Map<string, number>();
  readonly #probing = new Set<string>();

  constructor(settings: CircuitBreakersSettings) {
    this.#book = settings.book;
    this.#settings = settings.settings;
    this.#clock = settings.clock ?? (() => new Date());
    this.#notify = settings.notify;
    this.#onNotifyError = settings.onNotifyError;
  }

  /**
   * The first breaker that stops work in any of `scopes`, or `undefined` when work may go on. A breaker
   * whose timer ran out closes here; a provider breaker turns half-open and lets exactly one probe
   * through (this call returns `undefined` for it; the next calls are stopped until the probe is recorded).
   */
  check(scopes: readonly string[]): BreakerRecord | undefined {
    const now = this.#clock();
    for (const breaker of this.#book.notClosed(scopes)) {
      const key = `${breaker.scope}\u0000${breaker.kind}`;
      const due = breaker.closesAt !== null && Date.parse(breaker.closesAt) <= now.getTime();
      if (breaker.state === 'open' && due && breaker.kind === 'provider') {
        this.#book.put({
          ...breaker,
          state: 'half-open',
          reason: `probing: ${breaker.reason}`,
          updatedAt: now.toISOString(),
        });
        this.#probing.add(key);
        continue;
      }
      if (breaker.state === 'open' && due) {
        this.#book.put({
          ...breaker,
          state: 'closed',
          reason: 'closed by its timer',
          closesAt: null,
          updatedAt: now.toISOString(),
        });
        continue;
      }
      return breaker;
    }
    return undefined;
  }

  /**
   * Counts `event`; returns the breaker it opened, else `undefined`. Opening is journaled by `notify`.
   * A model call that succeeds closes its half-open provider breaker; one that fails re-opens it.
   */
  async record(event: BreakerEvent): Promise<BreakerRecord | undefined> {
    switch (event.type) {
      case 'tool-call':
        return this.#recordToolCall(event.scopes, event.failed);
      case 'model-call':
        return this.#recordModelCall(event.modelKey, event.failed, event.detail);
      case 'loop':
        return this.#open(
          event.scope,
          'loop',
          `loop detected: ${event.detail}`,
          this.#after(this.#settings.openSeconds),
        );
      case 'spend-limit':
        return this.#open(event.scope, 'spend', event.detail, event.closesAt);
    }
  }

  /** Every breaker, with run-out timers applied as `check` would. */
  list(): BreakerRecord[] {
    const now = this.#clock().getTime();
    return this.#book.list().map((breaker) => {
      const due =
        breaker.state === 'open' && breaker.closesAt !== null && Date.parse(breaker.closesAt) <= now;
      if (!due) return breaker;
      return breaker.kind === 'provider'
        ? { ...breaker, state: 'half-open' as const }
        : { ...breaker, state: 'closed' as const, reason: 'closed by its timer' };
    });
  }

  /** Closes every breaker that is not closed, or only those of `scope`; returns the ones it closed. */
  reset(scope?: string): BreakerRecord[] {
    const now = this.#clock().toISOString();
    const closed: BreakerRecord[] = [];
    for (const breaker of this.#book.list()) {
      if (breaker.state === 'closed' || (scope !== undefined && breaker.scope !== scope)) continue;
      const record = {
        ...breaker,
        state: 'closed' as const,
        reason: 'reset by an operator',
        closesAt: null,
        updatedAt: now,
      };
      this.#book.put(record);
      closed.push(record);
      this.#toolCalls.delete(breaker.scope);
      if (breaker.scope.startsWith('model:')) this.#providerFailures.delete(breaker.scope);
    }
    return closed;
  }

  async #recordToolCall(scopes: readonly string[], failed: boolean): Promise<BreakerRecord | undefined> {
    const { toolErrorWindow, toolErrorRate } = this.#settings;
    let opened: BreakerRecord | undefined;
    for (const scope of scopes) {
      const window = this.#toolCalls.get(scope) ?? [];
      window.push(failed);
      if (window.length > toolErrorWindow) window.shift();
      this.#toolCalls.set(scope, window);
      const failures = window.filter(Boolean).length;
      if (failures > toolErrorRate * toolErrorWindow) {
        this.#toolCalls.set(scope, []);
        const reason = `${failures} of the last ${window.length} tool calls failed (limit: more than ${Math.round(toolErrorRate * 100)}% of ${toolErrorWindow})`;
        const record = await this.#open(
          scope,
          'tool-errors',
          reason,
          this.#after(this.#settings.openSeconds),
        );
        opened ??= record;
      }
    }
    return opened;
  }

  async #recordModelCall(
    modelKey: string,
    failed: boolean,
    detail: string | undefined,
  ): Promise<BreakerRecord | undefined> {
    const scope = `model:${modelKey}`;
    const key = `${scope}\u0000provider`;
    const current = this.#book.get(scope, 'provider');
    if (!failed) {
      this.#providerFailures.delete(scope);
      this.#probing.delete(key);
      if (current && current.state !== 'closed') {
        this.#book.put({
          ...current,
          state: 'closed',
          reason: 'a probe call succeeded',
          closesAt: null,
          updatedAt: this.#clock().toISOString(),
        });
      }
      return undefined;
    }
    if (current?.state === 'half-open') {
      this.#probing.delete(key);
      return this.#open(
        scope,
        'provider',
        `the probe call failed${detail ? `: ${detail}` : ''}`,
        this.#after(this.#settings.providerOpenSeconds),
      );
    }
    const failures = (this.#providerFailures.get(scope) ?? 0) + 1;
    this.#providerFailures.set(scope, failures);
    if (failures < this.#settings.providerFailures || current?.state === 'open') return undefined;
    this.#providerFailures.delete(scope);
    const reason = `${failures} consecutive calls to ${modelKey} failed${detail ? ` (last: ${detail})` : ''}`;
    return this.#open(scope, 'provider', reason, this.#after(this.#settings.providerOpenSeconds));
  }

  async #open(
    scope: string,
    kind: BreakerKind,
    reason: string,
    closesAt: Date | null,
  ): Promise<BreakerRecord> {
    const now = this.#clock().toISOString();
    const previous = this.#book.get(scope, kind);
    const record: BreakerRecord = {
      scope,
      kind,
      state: 'open',
      reason,
      openedAt: now,
      closesAt: closesAt?.toISOString() ?? null,
      trips: (previous?.trips ?? 0) + 1,
      updatedAt: now,
    };
    this.#book.put(record);
    if (this.#notify) {
      try {
        await this.#notify(record);
      } catch (error) {
        this.#onNotifyError?.(error, record);
      }
    }
    return record;
  }

  #after(seconds: number): Date {
    return new Date(this.#clock().getTime() + seconds * 1000);
  }
}

/** 00:00 UTC after `time`: when a daily spend breaker closes by itself. */
export function nextUtcMidnight(time: Date): Date {
  return new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate() + 1));
}
