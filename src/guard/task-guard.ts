import { describeError, WardenError } from '../spec/errors.ts';
import { NANOS_PER_USD } from '../spec/spend-store.ts';
import type { CircuitBreakers } from './circuit-breakers.ts';
import { nextUtcMidnight } from './circuit-breakers.ts';
import { describeOpenBreaker } from './describe-breaker.ts';
import {
  breakerScopesOf,
  type LedgerReservation,
  type SpendDetails,
  type SpendLedger,
  type SpendScopes,
} from './spend-ledger.ts';

/** Why the guard stops a task: a limit of the task, a daily limit of a wider scope, or an open breaker. */
export type GuardStop = { stopReason: 'budget' | 'budget-daily' | 'breaker'; reason: string };

export type GuardReserveResult = { ok: true; reservation: LedgerReservation } | ({ ok: false } & GuardStop);

export interface TaskGuardSettings {
  scopes: SpendScopes;
  ledger: SpendLedger;
  /** `undefined`: no breakers (spend limits still apply). */
  breakers?: CircuitBreakers | undefined;
  /** Default: the system clock. */
  clock?: () => Date;
}

/**
 * What stands between one task and its spending: before each model call the open breakers of its scopes
 * are checked and the worst case is reserved in the ledger (task, agent day, team day, fleet day); after
 * it the reservation is settled with what the vendor reported, and tool outcomes and loops feed the
 * breakers. Every refusal names its scope. Open one with `TaskGuard.open`.
 */
export class TaskGuard {
  readonly scopes: SpendScopes;
  readonly #ledger: SpendLedger;
  readonly #breakers: CircuitBreakers | undefined;
  readonly #clock: () => Date;
  /** A part of the task's budget a child (a pipeline stage) may spend: spend up to `untilUsd`. */
  #cap: { untilUsd: number; label: string } | undefined;
  /** Booked to the task so far, counted as the ledger counts it (integer nano-dollars), so sums are exact. */
  #spentNanos: number;
  #spentTokens: number;

  /**
   * The guard of one task run. Reads, once, what the task has spent in its earlier runs (none when its
   * totals cannot be read: its limit then refuses every call anyway); `spent` then stays current as the
   * guard books the task's calls, since only the task itself books spend to its own window.
   *
   * @throws SystemError `store-failed` when the ledger cannot be read.
   */
  static async open(settings: TaskGuardSettings): Promise<TaskGuard> {
    const before = await settings.ledger.taskSpent(settings.scopes.taskId);
    return new TaskGuard(settings, before ?? { usd: 0, tokens: 0 });
  }

  private constructor(settings: TaskGuardSettings, before: { usd: number; tokens: number }) {
    this.scopes = settings.scopes;
    this.#ledger = settings.ledger;
    this.#breakers = settings.breakers;
    this.#clock = settings.clock ?? (() => new Date());
    this.#spentNanos = Math.round(before.usd * NANOS_PER_USD);
    this.#spentTokens = before.tokens;
  }

  /** What this task has spent so far, across all its runs. */
  get spent(): { usd: number; tokens: number } {
    return { usd: this.#spentNanos / NANOS_PER_USD, tokens: this.#spentTokens };
  }

  /**
   * Limits what the calls from now on may spend, within the task's own limits, until called again:
   * `usd` more than spent so far (a pipeline stage's `maxUsd`, named by `label`); `undefined` lifts it.
   */
  capSpend(cap: { usd: number; label: string } | undefined): void {
    this.#cap = cap && { untilUsd: this.spent.usd + cap.usd, label: cap.label };
  }

  /**
   * Checks the breakers, then reserves `worstCase` for a call on `modelKey` (`null`: a routed call, whose
   * router skips models with an open provider breaker itself).
   */
  async beforeModelCall(
    modelKey: string | null,
    worstCase: { usd: number; tokens: number },
  ): Promise<GuardReserveResult> {
    const open = await this.#breakers?.check(breakerScopesOf(this.scopes, modelKey ?? undefined));
    if (open) return { ok: false, stopReason: 'breaker', reason: describeOpenBreaker(open).description };
    const cap = this.#cap;
    if (cap && this.spent.usd + worstCase.usd > cap.untilUsd) {
      const left = Math.max(0, cap.untilUsd - this.spent.usd);
      return {
        ok: false,
        stopReason: 'budget',
        reason: `${cap.label}: the next call could cost $${worstCase.usd.toFixed(4)}, more than the $${left.toFixed(4)} left`,
      };
    }
    const reserved = await this.#ledger.reserve(this.scopes, worstCase);
    if (reserved.ok) return reserved;
    if (reserved.scope === 'task') return { ok: false, stopReason: 'budget', reason: reserved.reason };
    // An unreadable window is not a limit reached: refuse this call without opening a spend breaker.
    if (reserved.limit === 'unreadable')
      return { ok: false, stopReason: 'budget-daily', reason: `${reserved.scopeId}: ${reserved.reason}` };
    await this.#breakers?.record({
      type: 'spend-limit',
      scope: reserved.scopeId,
      detail: reserved.reason,
      closesAt: nextUtcMidnight(this.#clock()),
    });
    return { ok: false, stopReason: 'budget-daily', reason: `${reserved.scopeId}: ${reserved.reason}` };
  }

  /** Books a call that answered. */
  async afterModelCall(
    reservation: LedgerReservation,
    modelKey: string,
    actual: { usd: number; tokens: number },
    details: SpendDetails,
  ): Promise<void> {
    await this.#settle(reservation, actual, details);
    await this.#breakers?.record({ type: 'model-call', modelKey, failed: false });
  }

  /**
   * Books a call whose reported usage was impossible (a provider error): the call's whole reservation is
   * booked, never the claimed amount, and the failure is counted against the model that answered, so a
   * provider that keeps lying opens its breaker.
   */
  async afterAnomalousModelCall(
    reservation: LedgerReservation,
    modelKey: string,
    details: SpendDetails,
    detail: string,
  ): Promise<void> {
    await this.#settle(reservation, { usd: reservation.usd, tokens: reservation.tokens }, details);
    await this.#breakers?.record({ type: 'model-call', modelKey, failed: true, detail });
  }

  /**
   * Releases the reservation of a call that failed, and counts the failure against the model when it
   * says something about the provider's health: a retryable vendor failure (429, 5xx, timeout, no
   * answer), after the client's own retries. A refused request (400, a bad key) is the caller's problem,
   * not the provider's. `null`: a routed call, whose router counted each model's failures itself.
   */
  async afterFailedModelCall(
    reservation: LedgerReservation,
    modelKey: string | null,
    error: unknown,
  ): Promise<void> {
    await this.#ledger.release(reservation);
    const providerFault =
      error instanceof WardenError && error.code === 'model-call-failed' && error.isRetryable;
    if (modelKey !== null && providerFault)
      await this.#breakers?.record({
        type: 'model-call',
        modelKey,
        failed: true,
        detail: describeError(error),
      });
  }

  /**
   * Counts a tool outcome against the task (and, when the task's breaker opens, as a trip of its agent);
   * returns a stop when a breaker of the task's scopes is open.
   */
  async afterToolCall(failed: boolean): Promise<GuardStop | undefined> {
    if (!this.#breakers) return undefined;
    const { taskId, agent } = this.scopes;
    await this.#breakers.record({ type: 'tool-call', taskId, agent, failed });
    const open = await this.#breakers.check(breakerScopesOf(this.scopes));
    return open ? { stopReason: 'breaker', reason: describeOpenBreaker(open).description } : undefined;
  }

  /**
   * Records a loop as the task's loop breaker (shown by `warden breakers`). It stops this task only: one
   * stuck task should not block its agent; tool-error trips of several of its tasks open the agent's
   * tool-error breaker instead.
   */
  async onLoop(detail: string): Promise<void> {
    await this.#breakers?.record({ type: 'loop', scope: `task:${this.scopes.taskId}`, detail });
  }

  /** Books the call in the ledger, then counts it in `spent` as the ledger rounds it. */
  async #settle(
    reservation: LedgerReservation,
    actual: { usd: number; tokens: number },
    details: SpendDetails,
  ): Promise<void> {
    await this.#ledger.settle(reservation, actual, details);
    this.#spentNanos += Math.round(actual.usd * NANOS_PER_USD);
    this.#spentTokens += Math.round(actual.tokens);
  }
}
