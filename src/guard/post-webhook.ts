import { SystemError } from '../spec/errors.ts';
import type { BreakerRecord } from '../spec/index.ts';

export interface WebhookTarget {
  url: string;
  timeoutMs: number;
  /** Replaces `fetch` (tests, proxies). */
  fetch?: typeof globalThis.fetch;
}

/**
 * The Slack-compatible message for a breaker that changed state: `text` for any incoming webhook, plus
 * `blocks` for Slack's layout. Other chat tools (Mattermost, Rocket.Chat, Teams workflows) read `text`.
 */
export function breakerMessage(breaker: BreakerRecord): { text: string; blocks: unknown[] } {
  const until = breaker.closesAt ? `until ${breaker.closesAt}` : 'until reset with `warden breakers reset`';
  const text = `Warden breaker ${breaker.state}: ${breaker.kind} on ${breaker.scope} ${until}. ${breaker.reason}`;
  return {
    text,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*Warden breaker ${breaker.state}* — \`${breaker.kind}\` on \`${breaker.scope}\``,
        },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `${breaker.reason}\nNew work in this scope is stopped ${until}.` },
      },
    ],
  };
}

/**
 * Posts a breaker event to a webhook as Slack-compatible JSON.
 *
 * @throws SystemError `webhook-failed` when the endpoint cannot be reached in time or answers non-2xx.
 */
export async function postWebhook(target: WebhookTarget, breaker: BreakerRecord): Promise<void> {
  const fetch = target.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(breakerMessage(breaker)),
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (error) {
    throw new SystemError(
      'webhook-failed',
      `the breaker webhook could not be reached: ${(error as Error).message}`,
      {
        cause: error,
        isRetryable: true,
      },
    );
  }
  await response.body?.cancel();
  if (!response.ok) {
    throw new SystemError('webhook-failed', `the breaker webhook answered HTTP ${response.status}`, {
      isRetryable: response.status >= 500,
    });
  }
}
