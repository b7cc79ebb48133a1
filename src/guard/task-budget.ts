/** Per-task limits. Every field is a hard ceiling; none may be exceeded, not even by one call. */
export interface TaskLimits {
  maxUsd: number;
  maxTokens: number;
  maxSteps: number;
  maxWallSeconds: number;
}

/** A worst-case amount held against the budget while a model call is in flight. */
export interface Reservation {
  readonly usd: number;
  readonly tokens: number;
}

export type ReserveResult =
  | { ok: true; reservation: Reservation }
  | { ok: false; reason: string; limit: 'usd' | 'tokens' };

/**
 * The spend ledger of one task. Before each model call the caller reserves the worst case (estimated
 * prompt plus maximum output at the model's price); a call that could cross a limit is refused before
 * it is made. After the call the reservation is settled with what the vendor reported.
 */
export class TaskBudget {
  readonly limits: TaskLimits;
  #spentUsd = 0;
  #spentTokens = 0;
  #heldUsd = 0;
  #heldTokens = 0;

  constructor(limits: TaskLimits, spent: { usd: number; tokens: number } = { usd: 0, tokens: 0 }) {
    this.limits = limits;
    this.#spentUsd = spent.usd;
    this.#spentTokens = spent.tokens;
  }

  get spentUsd(): number {
    return this.#spentUsd;
  }

  get spentTokens(): number {
    return this.#spentTokens;
  }

  reserve(worstCase: Reservation): ReserveResult {
    const usd = this.#spentUsd + this.#heldUsd + worstCase.usd;
    if (usd > this.limits.maxUsd) {
      return {
        ok: false,
        limit: 'usd',
        reason: `the next call could cost up to $${worstCase.usd.toFixed(4)}; with $${this.#spentUsd.toFixed(4)} spent that would pass the $${this.limits.maxUsd} limit`,
      };
    }
    const tokens = this.#spentTokens + this.#heldTokens + worstCase.tokens;
    if (tokens > this.limits.maxTokens) {
      return {
        ok: false,
        limit: 'tokens',
        reason: `the next call could use up to ${worstCase.tokens} tokens; with ${this.#spentTokens} used that would pass the ${this.limits.maxTokens} token limit`,
      };
    }
    this.#heldUsd += worstCase.usd;
    this.#heldTokens += worstCase.tokens;
    return { ok: true, reservation: { ...worstCase } };
  }

  /** Releases the reservation and books what the call really cost. */
  settle(reservation: Reservation, actual: Reservation): void {
    this.#heldUsd = Math.max(0, this.#heldUsd - reservation.usd);
    this.#heldTokens = Math.max(0, this.#heldTokens - reservation.tokens);
    this.#spentUsd += actual.usd;
    this.#spentTokens += actual.tokens;
  }
}
