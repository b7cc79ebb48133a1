import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { ToolCall } from '../spec/types.ts';

/** Why the detector thinks the agent is stuck. */
export interface StuckVerdict {
  pattern: 'repeated-result' | 'repeated-failure' | 'alternating';
  detail: string;
}

interface Observation {
  callKey: string;
  resultKey: string;
  failed: boolean;
  label: string;
}

/** Thresholds; the defaults are the ones documented in the README. */
export interface StuckThresholds {
  /** The same call with the same result this many times. */
  sameResult: number;
  /** The same call failing this many times. */
  sameFailure: number;
  /** Two calls alternating over this many steps. */
  alternatingWindow: number;
}

export const DEFAULT_STUCK_THRESHOLDS: StuckThresholds = {
  sameResult: 4,
  sameFailure: 3,
  alternatingWindow: 6,
};

/**
 * Watches the tool calls of one task for the three shapes of a loop: the same call returning the same
 * thing again and again, the same call failing again and again, and two calls taking turns.
 */
export class StuckDetector {
  readonly #thresholds: StuckThresholds;
  readonly #history: Observation[] = [];

  constructor(thresholds: StuckThresholds = DEFAULT_STUCK_THRESHOLDS) {
    this.#thresholds = thresholds;
  }

  /** Records a finished call; returns a verdict when this call completes a loop. */
  observe(call: ToolCall, result: { output: string; failed: boolean }): StuckVerdict | undefined {
    const observation: Observation = {
      callKey: digest(`${call.name}\0${canonicalize(call.input ?? null) ?? ''}`),
      resultKey: digest(result.output),
      failed: result.failed,
      label: `${call.name} ${truncate(canonicalize(call.input ?? null) ?? '', 80)}`,
    };
    this.#history.push(observation);
    const sameCall = this.#history.filter((item) => item.callKey === observation.callKey);
    const sameResult = sameCall.filter((item) => item.resultKey === observation.resultKey).length;
    if (sameResult >= this.#thresholds.sameResult) {
      return {
        pattern: 'repeated-result',
        detail: `${observation.label} returned the same result ${sameResult} times`,
      };
    }
    const sameFailure = sameCall.filter((item) => item.failed).length;
    if (observation.failed && sameFailure >= this.#thresholds.sameFailure) {
      return { pattern: 'repeated-failure', detail: `${observation.label} failed ${sameFailure} times` };
    }
    return this.#alternating();
  }

  #alternating(): StuckVerdict | undefined {
    const window = this.#thresholds.alternatingWindow;
    if (this.#history.length < window) return undefined;
    const recent = this.#history.slice(-window);
    const [first, second] = recent;
    if (!first || !second || first.callKey === second.callKey) return undefined;
    const alternates = recent.every(
      (item, index) => item.callKey === (index % 2 === 0 ? first : second).callKey,
    );
    if (!alternates) return undefined;
    return {
      pattern: 'alternating',
      detail: `alternating between ${first.label} and ${second.label} for ${window} calls`,
    };
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`;
}
