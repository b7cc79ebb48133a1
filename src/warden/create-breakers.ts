import type { Config } from '../config/index.ts';
import { CircuitBreakers, postWebhook } from '../guard/index.ts';
import type { BreakerStore } from '../spec/breaker-store.ts';

/** The circuit breakers, announcing each one that opens as a warning and on the webhook. */
export function createBreakers(
  config: Config,
  book: BreakerStore,
  warn: (text: string) => void,
): CircuitBreakers {
  const webhook = config.webhook.url;
  return new CircuitBreakers({
    book,
    settings: config.breakers,
    notify: async (breaker) => {
      warn(`breaker open: ${breaker.kind} on ${breaker.scope}: ${breaker.reason}\n`);
      if (webhook) await postWebhook({ url: webhook, timeoutMs: config.webhook.timeoutMs }, breaker);
    },
    onNotifyError: (error) => warn(`warning: the breaker webhook failed: ${(error as Error).message}\n`),
  });
}
