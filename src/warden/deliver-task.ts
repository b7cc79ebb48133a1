import { type Delivery, deliverResult, pullRequestBody, pullRequestTitle } from '../actions/index.ts';
import type { Task } from '../spec/types.ts';
import { SqlitePullOutcomeStore } from '../store/index.ts';
import type { Deliveries } from './result-delivery.ts';
import type { SharedParts } from './task-runtime.ts';

/** The pull request a task in shadow mode would have opened: kept and shown, never sent. */
export interface ShadowResult {
  /** The forge repository it would go to (`owner/name`); null when no forge is configured. */
  repository: string | null;
  branch: string;
  title: string;
  body: string;
}

/**
 * Delivers a succeeded task's branch: as a pull request through the forge (to the repository its
 * trigger came from, else the configured one), recorded so the forge's webhooks can say what became of
 * it; or, for a task in shadow mode, nothing at all — the pull request it would open is journaled
 * (`shadow-result`) and returned instead.
 */
export async function deliverTask(
  parts: SharedParts,
  deliveries: () => Deliveries | null,
  task: Task & { branch: string },
): Promise<{ delivery: Delivery | null; shadow: ShadowResult | null }> {
  const events = await parts.journal.events(task.id);
  const start = events[0]?.type === 'task-start' ? events[0] : undefined;
  const trigger = start?.trigger;
  if (start?.shadow) {
    const forge = parts.config.forge;
    const configured =
      forge.kind === 'github' && forge.github ? `${forge.github.owner}/${forge.github.repo}` : null;
    const shadow: ShadowResult = {
      repository: trigger?.repository ?? (forge.kind === 'local' ? forge.remote : configured),
      branch: task.branch,
      title: pullRequestTitle(task.prompt),
      body: pullRequestBody(task, events),
    };
    await parts.journal.append(task.id, 'shadow-result', shadow);
    return { delivery: null, shadow };
  }
  const forges = deliveries();
  if (!forges) return { delivery: null, shadow: null };
  const through = forges.to(task.repo, trigger?.repository);
  const delivery = await deliverResult(through, task, events);
  if (delivery?.pullRequest) {
    // What becomes of it (merged, rejected, reverted) comes back through the forge's webhooks.
    new SqlitePullOutcomeStore(parts.store.database).opened({
      taskId: task.id,
      repository: through.forge.repository,
      number: delivery.pullRequest.number,
      url: delivery.pullRequest.url,
      at: new Date().toISOString(),
    });
  }
  return { delivery, shadow: null };
}
