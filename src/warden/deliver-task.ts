import {
  commentBody,
  type Delivery,
  deliverResult,
  deliverTaskComment,
  pullRequestBody,
  pullRequestTitle,
} from '../actions/index.ts';
import type { ShadowResultFields } from '../spec/journal-events.ts';
import type { Task } from '../spec/types.ts';
import { forgeTarget } from './forge-target.ts';
import type { Deliveries } from './result-delivery.ts';
import type { SharedParts } from './task-runtime.ts';

/** What a task in shadow mode would have delivered (a pull request, or a comment): kept, never sent. */
export type ShadowResult = ShadowResultFields;

/** What an agent delivers (`agent.delivers`). */
export type Delivers = 'pull-request' | 'comment';

const NOTHING = { delivery: null, shadow: null };

/**
 * Delivers a task's result. A pull request (a succeeded task's branch) goes to the repository its
 * trigger came from, else the configured forge, and is recorded so the forge's webhooks can say what
 * became of it. A comment (an agent that `delivers: comment`, once its model finished: succeeded or
 * unverified) is the agent's last words, posted on the issue or pull request its trigger names. In
 * shadow mode nothing is sent: what would have been is journaled (`shadow-result`) and returned.
 */
export async function deliverTask(
  parts: SharedParts,
  deliveries: () => Deliveries | null,
  task: Task,
  delivers: Delivers,
): Promise<{ delivery: Delivery | null; shadow: ShadowResult | null }> {
  const comment = delivers === 'comment';
  const finished = task.status === 'succeeded' || (comment && task.status === 'unverified');
  if (!finished || (!comment && task.branch === null)) return NOTHING;
  const events = await parts.journal.events(task.id);
  const start = events[0]?.type === 'task-start' ? events[0] : undefined;
  const trigger = start?.trigger;
  const number = trigger?.number;
  if (start?.shadow) {
    const shadow: ShadowResult = {
      ...(comment ? { kind: 'comment' as const, number } : {}),
      repository: forgeTarget(parts.config, trigger?.repository)?.repository ?? null,
      branch: comment ? null : task.branch,
      title: comment ? '' : pullRequestTitle(task.prompt),
      body: comment ? commentBody(task, events) : pullRequestBody(task, events),
    };
    await parts.journal.append(task.id, 'shadow-result', shadow);
    return { delivery: null, shadow };
  }
  const forges = deliveries();
  if (!forges) return NOTHING;
  const through = forges.to(task.repo, trigger?.repository);
  if (comment) {
    if (number === undefined) return NOTHING;
    // An event about a pull request gets a review (line comments where the agent named lines); one
    // about an issue, a comment.
    const pullRequest = trigger?.event.startsWith('pull_request') === true;
    const body = commentBody(task, events);
    return { delivery: await deliverTaskComment(through, task, { number, pullRequest }, body), shadow: null };
  }
  const delivery = await deliverResult(through, task, events);
  if (delivery?.pullRequest) {
    // What becomes of it (merged, rejected, reverted) comes back through the forge's webhooks.
    await parts.stores.pullOutcomes.opened({
      taskId: task.id,
      repository: through.forge.repository,
      number: delivery.pullRequest.number,
      url: delivery.pullRequest.url,
      at: new Date().toISOString(),
    });
  }
  return { delivery, shadow: null };
}
