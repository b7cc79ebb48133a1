import type { SpendEntry, SpendReservation, SpendStore, SpendWindow } from '../spec/index.ts';
import { utcDay } from '../spec/index.ts';

/** The one window of a task's scope: a task's limits hold over its whole life. */
const TASK_WINDOW = 'all';

/** Who a model call is charged to. Every call is charged to its task and the fleet. */
export interface SpendScopes {
  taskId: string;
  /** `undefined`: no per-agent window. */
  agent?: string | undefined;
  /** `undefined`: no per-team window. */
  team?: string | undefined;
}

/** The limits of each scope; `null` is no limit. Daily scopes reset at 00:00 UTC. */
export interface SpendLimits {
  taskUsd: number | null;
  taskTokens: number | null;
  agentDailyUsd: number | null;
  agentDailyTokens: number | null;
  teamDailyUsd: number | null;
  teamDailyTokens: number | null;
  fleetDailyUsd: number | null;
  fleetDailyTokens: number | null;
}

/** The scope kinds a refusal can name. */
export type SpendScopeKind = 'task' | 'agent-day' | 'team-day' | 'fleet-day';

/** A reservation held for one call, with whom it is charged to. */
export interface LedgerReservation {
  readonly scopes: SpendScopes;
  readonly held: SpendReservation;
  readonly usd: number;
  readonly tokens: number;
}

/** What `reserve` answers: a reservation, or a refusal naming the scope and the limit. */
export type LedgerReserveResult =
  | { ok: true; reservation: LedgerReservation }
  | {
      ok: false;
      scope: SpendScopeKind;
      /** The stored scope, e.g. `agent:fixer`. */
      scopeId: string;
      /** `unreadable`: the window's stored totals are out of range or corrupt (see `warden doctor`). */
      limit: 'usd' | 'tokens' | 'unpriced' | 'unreadable';
      reason: string;
    };

/** The call's details booked with its cost (everything but who and how much). */
export type SpendDetails = Omit<SpendEntry, 'taskId' | 'agent' | 'team' | 'usd' | 'tokens'>;

export interface SpendLedgerSettings {
  book: SpendStore;
  limits: SpendLimits;
  /** Default: the system clock. */
  clock?: () => Date;
  /** A reservation not settled within this time is released (its worker died). Default 1 hour. */
  reservationTtlMs?: number;
}

/**
 * The spend ledger every model call goes through: `reserve` the worst case (estimated input plus maximum
 * output at the model's price) against the task, its agent's and team's day and the fleet's day — all or
 * nothing, atomically across concurrent tasks and processes — then `settle` with what the vendor
 * reported. Spend never passes a limit, not even by one call, as long as the worst case is an upper bound.
 */
export class SpendLedger {
  readonly #book: SpendStore;
  readonly #limits: SpendLimits;
  readonly #clock: () => Date;
  readonly #ttlMs: number;

  constructor(settings: SpendLedgerSettings) {
    this.#book = settings.book;
    this.#limits = settings.limits;
    this.#clock = settings.clock ?? (() => new Date());
    this.#ttlMs = settings.reservationTtlMs ?? 3_600_000;
  }

  /**
   * Holds `worstCase` in every window of `scopes`, or refuses naming the first scope it would pass. A
   * call on an unpriced model (`worstCase.unpriced`) is refused wherever a USD limit applies: its cost is
   * unknown, so it could otherwise spend past the limit unseen.
   *
   * @throws SystemError `store-failed` when the ledger cannot be written (no call may then be made).
   */
  async reserve(
    scopes: SpendScopes,
    worstCase: { usd: number; tokens: number; unpriced?: boolean },
  ): Promise<LedgerReserveResult> {
    const windows = this.windowsOf(scopes);
    if (worstCase.unpriced) {
      const limited = windows.find((window) => window.limitUsd !== null);
      if (limited) {
        return {
          ok: false,
          scope: kindOf(limited.scope),
          scopeId: limited.scope,
          limit: 'unpriced',
          reason: `the model has no price, so its calls cannot be charged against the $${limited.limitUsd} limit of ${limited.scope}`,
        };
      }
    }
    const outcome = await this.#book.reserve({
      windows,
      usd: worstCase.usd,
      tokens: worstCase.tokens,
      now: this.#clock(),
      ttlMs: this.#ttlMs,
    });
    if (outcome.ok) {
      return {
        ok: true,
        reservation: { scopes, held: outcome.reservation, usd: worstCase.usd, tokens: worstCase.tokens },
      };
    }
    const scope = kindOf(outcome.scope);
    const where = scope === 'task' ? 'this task' : `${outcome.scope} today (${outcome.window})`;
    if (outcome.limit === 'unreadable') {
      return {
        ok: false,
        scope,
        scopeId: outcome.scope,
        limit: 'unreadable',
        reason: `the spend totals of ${outcome.scope} (${outcome.window}) cannot be read (out of range or corrupt), so its limit cannot be enforced and no call is charged to it; run \`warden doctor\``,
      };
    }
    const reason =
      outcome.limit === 'usd'
        ? `the next call could cost up to $${worstCase.usd.toFixed(4)}; with $${outcome.committed.toFixed(4)} spent or held by ${where} that would pass its $${outcome.limitValue} limit`
        : `the next call could use up to ${worstCase.tokens} tokens; with ${outcome.committed} used or held by ${where} that would pass its ${outcome.limitValue} token limit`;
    return { ok: false, scope, scopeId: outcome.scope, limit: outcome.limit, reason };
  }

  /**
   * Releases the reservation and books what the call cost; with `details`, the call is booked as an
   * entry for reports. Settling twice books once.
   *
   * @throws SystemError `spend-out-of-range` when an amount is out of range (nothing is booked then),
   *   `store-failed` when the ledger cannot be written.
   */
  async settle(
    reservation: LedgerReservation,
    actual: { usd: number; tokens: number },
    details?: SpendDetails,
  ): Promise<void> {
    const entry = details && {
      ...details,
      taskId: reservation.scopes.taskId,
      agent: reservation.scopes.agent ?? null,
      team: reservation.scopes.team ?? null,
      usd: actual.usd,
      tokens: actual.tokens,
    };
    await this.#book.settle(reservation.held, actual, entry, this.#clock());
  }

  /** Releases a reservation whose call was never made or failed without a charge. */
  async release(reservation: LedgerReservation): Promise<void> {
    await this.#book.settle(reservation.held, { usd: 0, tokens: 0 }, undefined, this.#clock());
  }

  /**
   * Spent (settled) USD and tokens of each window of `scopes`, by stored scope; a window whose totals
   * cannot be read is left out (reserving in it is refused while a limit applies).
   */
  async spent(scopes: SpendScopes): Promise<Record<string, { usd: number; tokens: number }>> {
    const spent: Record<string, { usd: number; tokens: number }> = {};
    for (const window of this.windowsOf(scopes)) {
      const totals = await this.#book.totals(window.scope, window.window);
      if (totals) spent[window.scope] = { usd: totals.spentUsd, tokens: totals.spentTokens };
    }
    return spent;
  }

  /**
   * Spent (settled) USD and tokens of one task, over all its runs (its window of {@link windowsOf});
   * `undefined` when its totals cannot be read.
   */
  async taskSpent(taskId: string): Promise<{ usd: number; tokens: number } | undefined> {
    const totals = await this.#book.totals(`task:${taskId}`, TASK_WINDOW);
    return totals && { usd: totals.spentUsd, tokens: totals.spentTokens };
  }

  /** The windows a call of `scopes` is charged to now: task, agent day, team day, fleet day. */
  windowsOf(scopes: SpendScopes): SpendWindow[] {
    const day = utcDay(this.#clock());
    const limits = this.#limits;
    const windows: SpendWindow[] = [
      {
        scope: `task:${scopes.taskId}`,
        window: TASK_WINDOW,
        limitUsd: limits.taskUsd,
        limitTokens: limits.taskTokens,
      },
    ];
    if (scopes.agent !== undefined) {
      windows.push({
        scope: `agent:${scopes.agent}`,
        window: day,
        limitUsd: limits.agentDailyUsd,
        limitTokens: limits.agentDailyTokens,
      });
    }
    if (scopes.team !== undefined) {
      windows.push({
        scope: `team:${scopes.team}`,
        window: day,
        limitUsd: limits.teamDailyUsd,
        limitTokens: limits.teamDailyTokens,
      });
    }
    windows.push({
      scope: 'fleet',
      window: day,
      limitUsd: limits.fleetDailyUsd,
      limitTokens: limits.fleetDailyTokens,
    });
    return windows;
  }
}

/** The breaker scopes of a call: the ones `CircuitBreakers.check` should look at. */
export function breakerScopesOf(scopes: SpendScopes, modelKey?: string): string[] {
  const result = [`task:${scopes.taskId}`];
  if (scopes.agent !== undefined) result.push(`agent:${scopes.agent}`);
  if (scopes.team !== undefined) result.push(`team:${scopes.team}`);
  result.push('fleet');
  if (modelKey !== undefined) result.push(`model:${modelKey}`);
  return result;
}

function kindOf(scope: string): SpendScopeKind {
  if (scope.startsWith('task:')) return 'task';
  if (scope.startsWith('agent:')) return 'agent-day';
  if (scope.startsWith('team:')) return 'team-day';
  return 'fleet-day';
}
