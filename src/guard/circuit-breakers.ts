import type { BreakerKind, BreakerRecord, BreakerStore, BreakerTransaction } from '../spec/index.ts';

/** Thresholds of the breakers (the `breakers` config section). */
export interface BreakerSettings {
  /** The task's last N tool calls that the tool-error breaker judges, once the task made N. */
  toolErrorWindow: number;
  /** Share of those calls that must have failed, strictly more than, to open the task's breaker. */
  toolErrorRate: number;
  /** Distinct tasks of one agent tripping within `tripWindowSeconds` that open the agent's breaker. */
  agentTaskTrips: number;
  /** Distinct agents with a tripping task within `tripWindowSeconds` that open the fleet's breaker. */
  fleetAgentTrips: number;
  tripWindowSeconds: number;
  /** Consecutive failed calls to one model that open its provider breaker. */
  providerFailures: number;
  /** Seconds an open provider breaker waits before letting one half-open probe through. */
  providerOpenSeconds: number;
  /** Seconds a claimed probe holds the breaker before another call may probe. */
  probeTimeoutSeconds: number;
  /** Seconds a tool-error or loop breaker stays open unless reset. */
  openSeconds: number;
}

/** Something a breaker counts. Scopes are `task:ID`, `agent:NAME`, `team:NAME`, `fleet`, `model:KEY`. */
export type BreakerEvent =
  /** One tool call of a task; `agent`: who the task runs as (`undefined`: counted for the task only). */
  | { type: 'tool-call'; taskId: string; agent?: string | undefined; failed: boolean }
  /** One model call, after its retries. */
  | { type: 'model-call'; modelKey: string; failed: boolean; detail?: string }
  | { type: 'loop'; scope: string; detail: string }
  | { type: 'spend-limit'; scope: string; detail: string; closesAt: Date };

export interface CircuitBreakersSettings {
  book: BreakerStore;
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
 * The circuit breakers: spend (a daily limit reached), tool errors, provider errors (open after repeated
 * failures, then one half-open probe) and loops. An open breaker stops new work in its scope; it closes
 * on its timer or with `reset`.
 *
 * A tool-error breaker opens for the task whose calls failed; an agent's opens only when several of its
 * tasks tripped within a time window, the fleet's only when tasks of several agents did; no tool-error
 * breaker opens for a team. State, counters, trips and the half-open probe claim all live in the store
 * and change inside one of its transactions (`BreakerStore.atomically`), so every process and worker
 * counts into the same windows and exactly one of them probes.
 */
export class CircuitBreakers {
  readonly #book: BreakerStore;
  readonly #settings: BreakerSettings;
  readonly #clock: () => Date;
  readonly #notify: CircuitBreakersSettings['notify'];
  readonly #onNotifyError: CircuitBreakersSettings['onNotifyError'];

  constructor(settings: CircuitBreakersSettings) {
    this.#book = settings.book;
    this.#settings = settings.settings;
    this.#clock = settings.clock ?? (() => new Date());
    this.#notify = settings.notify;
    this.#onNotifyError = settings.onNotifyError;
  }

  /**
   * The first breaker that stops work in any of `scopes`, or `undefined` when work may go on. A breaker
   * whose timer ran out closes here. A provider breaker whose timer ran out turns half-open and this
   * call claims its one probe (it returns `undefined`); every other caller, in any process, is stopped
   * until the probe is recorded or its claim lapses after `probeTimeoutSeconds`.
   */
  async check(scopes: readonly string[]): Promise<BreakerRecord | undefined> {
    const now = this.#clock();
    // Most calls find nothing open: answer those without taking the write lock.
    if ((await this.#book.notClosed(scopes)).length === 0) return undefined;
    return this.#book.atomically(async (book) => {
      // Provider breakers last, so a probe is claimed only when nothing else stops the call.
      const breakers = (await book.notClosed(scopes)).sort(
        (a, b) => Number(a.kind === 'provider') - Number(b.kind === 'provider'),
      );
      const probes: BreakerRecord[] = [];
      for (const breaker of breakers) {
        const due = breaker.closesAt !== null && Date.parse(breaker.closesAt) <= now.getTime();
        if (breaker.kind === 'provider') {
          const lapsed = breaker.probeUntil === null || Date.parse(breaker.probeUntil) <= now.getTime();
          if ((breaker.state === 'open' && due) || (breaker.state === 'half-open' && lapsed)) {
            probes.push(breaker);
            continue;
          }
          return breaker;
        }
        if (breaker.state === 'open' && due) {
          await book.put({
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
      for (const breaker of probes) {
        await book.put({
          ...breaker,
          state: 'half-open',
          reason: breaker.state === 'half-open' ? breaker.reason : `probing: ${breaker.reason}`,
          probeUntil: this.#after(now, this.#settings.probeTimeoutSeconds).toISOString(),
          updatedAt: now.toISOString(),
        });
      }
      return undefined;
    });
  }

  /**
   * Counts `event`; returns the first breaker it opened, else `undefined`. Opening is told to `notify`.
   * A model call that succeeds closes its provider breaker; one that fails re-opens a half-open one.
   */
  async record(event: BreakerEvent): Promise<BreakerRecord | undefined> {
    const now = this.#clock();
    const opened = await this.#book.atomically(async (book): Promise<BreakerRecord[]> => {
      switch (event.type) {
        case 'tool-call':
          return this.#recordToolCall(book, event.taskId, event.agent, event.failed, now);
        case 'model-call':
          return this.#recordModelCall(book, event.modelKey, event.failed, event.detail, now);
        case 'loop':
          return [
            await this.#open(
              book,
              event.scope,
              'loop',
              `loop detected: ${event.detail}`,
              this.#after(now, this.#settings.openSeconds),
              now,
            ),
          ];
        case 'spend-limit':
          return [await this.#open(book, event.scope, 'spend', event.detail, event.closesAt, now)];
      }
    });
    for (const breaker of opened) await this.#tell(breaker);
    return opened[0];
  }

  /** Every breaker, with run-out timers applied as `check` would. */
  async list(): Promise<BreakerRecord[]> {
    const now = this.#clock().getTime();
    return (await this.#book.list()).map((breaker) => {
      const due =
        breaker.state === 'open' && breaker.closesAt !== null && Date.parse(breaker.closesAt) <= now;
      if (!due) return breaker;
      return breaker.kind === 'provider'
        ? { ...breaker, state: 'half-open' as const }
        : { ...breaker, state: 'closed' as const, reason: 'closed by its timer' };
    });
  }

  /**
   * Closes every breaker that is not closed, or only those of `scope`, and forgets what they had counted
   * (a reset agent does not re-open on its tasks' old trips); returns the ones it closed.
   */
  reset(scope?: string): Promise<BreakerRecord[]> {
    const now = this.#clock().toISOString();
    return this.#book.atomically(async (book) => {
      const closed: BreakerRecord[] = [];
      for (const breaker of await book.list()) {
        if (breaker.state === 'closed' || (scope !== undefined && breaker.scope !== scope)) continue;
        const record = {
          ...breaker,
          state: 'closed' as const,
          reason: 'reset by an operator',
          closesAt: null,
          probeUntil: null,
          updatedAt: now,
        };
        await book.put(record);
        closed.push(record);
      }
      await book.forget(scope);
      return closed;
    });
  }

  /** In the caller's transaction: the task's window, then the trips it adds to its agent and the fleet. */
  async #recordToolCall(
    book: BreakerTransaction,
    taskId: string,
    agent: string | undefined,
    failed: boolean,
    now: Date,
  ): Promise<BreakerRecord[]> {
    const { toolErrorWindow, toolErrorRate } = this.#settings;
    const scope = `task:${taskId}`;
    const outcomes = `${(await book.counter(scope, 'tool-errors')).outcomes}${failed ? '1' : '0'}`.slice(
      -toolErrorWindow,
    );
    const failures = [...outcomes].filter((outcome) => outcome === '1').length;
    // Judged over a full window only: a rate over the first few calls says little.
    if (outcomes.length < toolErrorWindow || failures <= toolErrorRate * toolErrorWindow) {
      await book.putCounter(scope, 'tool-errors', { failures, outcomes }, now);
      return [];
    }
    await book.putCounter(scope, 'tool-errors', { failures: 0, outcomes: '' }, now);
    const opened = [
      await this.#open(
        book,
        scope,
        'tool-errors',
        `${failures} of the task's last ${toolErrorWindow} tool calls failed (limit: more than ${Math.round(toolErrorRate * 100)}%)`,
        this.#after(now, this.#settings.openSeconds),
        now,
      ),
    ];
    if (agent === undefined) return opened;
    const since = this.#after(now, -this.#settings.tripWindowSeconds);
    const minutes = Math.round(this.#settings.tripWindowSeconds / 60);
    const agentScope = `agent:${agent}`;
    await book.addTrip(agentScope, scope, now);
    const tasks = await book.countTrips(agentScope, since);
    if (
      tasks >= this.#settings.agentTaskTrips &&
      !(await this.#isOpen(book, agentScope, 'tool-errors', now))
    ) {
      opened.push(
        await this.#open(
          book,
          agentScope,
          'tool-errors',
          `the tool-error breakers of ${tasks} of its tasks opened within ${minutes} min (limit: ${this.#settings.agentTaskTrips} tasks)`,
          this.#after(now, this.#settings.openSeconds),
          now,
        ),
      );
    }
    await book.addTrip('fleet', agentScope, now);
    const agents = await book.countTrips('fleet', since);
    if (
      agents >= this.#settings.fleetAgentTrips &&
      !(await this.#isOpen(book, 'fleet', 'tool-errors', now))
    ) {
      opened.push(
        await this.#open(
          book,
          'fleet',
          'tool-errors',
          `tasks of ${agents} agents tripped their tool-error breakers within ${minutes} min (limit: ${this.#settings.fleetAgentTrips} agents)`,
          this.#after(now, this.#settings.openSeconds),
          now,
        ),
      );
    }
    return opened;
  }

  /** In the caller's transaction: the model's consecutive failures, and its probe's outcome. */
  async #recordModelCall(
    book: BreakerTransaction,
    modelKey: string,
    failed: boolean,
    detail: string | undefined,
    now: Date,
  ): Promise<BreakerRecord[]> {
    const scope = `model:${modelKey}`;
    const current = await book.get(scope, 'provider');
    if (!failed) {
      // A success resets what its model counted; with nothing counted there is nothing to write, and a
      // transaction that writes nothing costs no write to the store.
      if ((await book.counter(scope, 'provider')).failures > 0) {
        await book.putCounter(scope, 'provider', { failures: 0, outcomes: '' }, now);
      }
      if (current && current.state !== 'closed') {
        await book.put({
          ...current,
          state: 'closed',
          reason: current.state === 'half-open' ? 'a probe call succeeded' : 'a call succeeded',
          closesAt: null,
          probeUntil: null,
          updatedAt: now.toISOString(),
        });
      }
      return [];
    }
    const openSeconds = this.#settings.providerOpenSeconds;
    if (current?.state === 'half-open') {
      await book.putCounter(scope, 'provider', { failures: 0, outcomes: '' }, now);
      return [
        await this.#open(
          book,
          scope,
          'provider',
          `the probe call failed${detail ? `: ${detail}` : ''}`,
          this.#after(now, openSeconds),
          now,
        ),
      ];
    }
    const failures = (await book.counter(scope, 'provider')).failures + 1;
    if (failures < this.#settings.providerFailures || current?.state === 'open') {
      await book.putCounter(scope, 'provider', { failures, outcomes: '' }, now);
      return [];
    }
    await book.putCounter(scope, 'provider', { failures: 0, outcomes: '' }, now);
    const reason = `${failures} consecutive calls to ${modelKey} failed${detail ? ` (last: ${detail})` : ''}`;
    return [await this.#open(book, scope, 'provider', reason, this.#after(now, openSeconds), now)];
  }

  /** Whether the breaker stops work now (an open one whose timer ran out does not). */
  async #isOpen(book: BreakerTransaction, scope: string, kind: BreakerKind, now: Date): Promise<boolean> {
    const breaker = await book.get(scope, kind);
    if (!breaker || breaker.state === 'closed') return false;
    return breaker.closesAt === null || Date.parse(breaker.closesAt) > now.getTime();
  }

  /** Writes an open breaker (in the caller's transaction); `#tell` announces it after the commit. */
  async #open(
    book: BreakerTransaction,
    scope: string,
    kind: BreakerKind,
    reason: string,
    closesAt: Date | null,
    now: Date,
  ): Promise<BreakerRecord> {
    const previous = await book.get(scope, kind);
    const record: BreakerRecord = {
      scope,
      kind,
      state: 'open',
      reason,
      openedAt: now.toISOString(),
      closesAt: closesAt?.toISOString() ?? null,
      trips: (previous?.trips ?? 0) + 1,
      updatedAt: now.toISOString(),
      probeUntil: null,
    };
    await book.put(record);
    return record;
  }

  async #tell(breaker: BreakerRecord): Promise<void> {
    if (!this.#notify) return;
    try {
      await this.#notify(breaker);
    } catch (error) {
      this.#onNotifyError?.(error, breaker);
    }
  }

  #after(now: Date, seconds: number): Date {
    return new Date(now.getTime() + seconds * 1000);
  }
}

/** 00:00 UTC after `time`: when a daily spend breaker closes by itself. */
export function nextUtcMidnight(time: Date): Date {
  return new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate() + 1));
}
