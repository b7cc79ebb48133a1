import type { OpenBreakerNotice } from '../spec/errors.ts';
import type { BreakerRecord } from '../spec/index.ts';

/**
 * An open or half-open breaker as a refusal names it: which breaker, why, when it closes by itself and
 * the command that closes it now. The agent loop's stop detail and the router's refusal both use it, so
 * a task stopped by a breaker reads the same whichever path refused it.
 */
export function describeOpenBreaker(breaker: BreakerRecord): OpenBreakerNotice {
  const reset = `\`warden breakers reset ${breaker.scope}\` closes it now`;
  let when: string;
  if (breaker.state === 'half-open') {
    when = `a probe call is under way${breaker.probeUntil ? ` (its claim lapses at ${breaker.probeUntil})` : ''}`;
  } else if (breaker.closesAt === null) {
    when = 'only a reset closes it';
  } else if (breaker.kind === 'provider') {
    when = `one probe call may go through after ${breaker.closesAt}`;
  } else {
    when = `it closes by itself at ${breaker.closesAt}`;
  }
  return {
    scope: breaker.scope,
    kind: breaker.kind,
    description: `the ${breaker.kind} breaker of ${breaker.scope} is ${breaker.state}: ${breaker.reason}; ${when}; ${reset}`,
  };
}
