import { z } from 'zod';
import type { Config } from '../config/index.ts';
import type { FleetJob } from '../fleet/index.ts';
import { UserError, WardenError } from '../spec/errors.ts';
import type { PullOutcomeStore } from '../store/index.ts';
import { deliveryBook } from './delivery-book.ts';
import type { GithubDelivery, TriggerDecision } from './github-trigger.ts';
import type { SharedParts } from './task-runtime.ts';

/**
 * Whether a GitHub delivery tells what became of pull requests (a `pull_request` closed, a
 * `pull_request_review`, a `push`) rather than asking for work.
 */
export function isOutcomeEvent(delivery: GithubDelivery): boolean {
  if (delivery.event === 'pull_request') {
    return (delivery.payload as { action?: unknown } | null)?.action === 'closed';
  }
  return delivery.event === 'pull_request_review' || delivery.event === 'push';
}

const TASK_BRANCH = /^(?:refs\/heads\/)?warden\/([A-Za-z0-9][A-Za-z0-9_-]*)$/;
const REVERTS = /This reverts commit ([0-9a-f]{40})/g;

const Payload = z.looseObject({
  action: z.string().optional(),
  repository: z.looseObject({ full_name: z.string(), default_branch: z.string().optional() }).optional(),
  sender: z.looseObject({ login: z.string() }).optional(),
  pull_request: z
    .looseObject({
      merged: z.boolean().nullish(),
      merge_commit_sha: z.string().nullish(),
      closed_at: z.string().nullish(),
      head: z.looseObject({ ref: z.string() }),
    })
    .optional(),
  review: z.looseObject({ state: z.string() }).optional(),
  ref: z.string().optional(),
  commits: z.array(z.looseObject({ message: z.string().optional() })).optional(),
});

/** What an outcome event changed: the tasks whose pull requests it moved, and to what; or why nothing. */
export type OutcomeChange = { taskIds: string[]; change: string } | { reason: string };

/**
 * Applies a verified GitHub event to the pull requests Warden opened (`pull_outcomes`): a `pull_request`
 * closed (merged: accepted, first pass or after changes; not: rejected), a `pull_request_review` that
 * requests changes, a push of someone other than Warden onto a task's `warden/` branch (a human
 * commit), and a push onto the default branch whose commits revert a merge commit (reverted). Events of
 * repositories not in `triggers.github.repositories` change nothing.
 */
export async function applyOutcomeEvent(
  config: Config,
  event: string,
  payload: unknown,
  pulls: PullOutcomeStore,
  now = new Date(),
): Promise<OutcomeChange> {
  const parsed = Payload.safeParse(payload);
  if (!parsed.success) return { reason: 'the payload is not a GitHub event this version reads' };
  const { repository, sender, pull_request: pull } = parsed.data;
  const settings = config.triggers.github;
  if (!repository || settings.repositories[repository.full_name] === undefined) {
    return {
      reason: `repository ${repository?.full_name ?? '(none)'} is not in triggers.github.repositories`,
    };
  }
  const name = repository.full_name;
  const taskOf = (ref: string | undefined) => (ref === undefined ? undefined : TASK_BRANCH.exec(ref)?.[1]);
  const done = (taskId: string, change: string | undefined): OutcomeChange =>
    change ? { taskIds: [taskId], change } : { reason: `task ${taskId} has no open pull request here` };
  const notWarden: OutcomeChange = { reason: 'not a Warden pull request or branch' };
  if (event === 'pull_request' && parsed.data.action === 'closed' && pull) {
    const taskId = taskOf(pull.head.ref);
    if (taskId === undefined) return notWarden;
    const state = await pulls.closed(name, taskId, {
      merged: pull.merged === true,
      mergeCommit: pull.merged ? (pull.merge_commit_sha ?? null) : null,
      at: pull.closed_at ?? now.toISOString(),
    });
    return done(taskId, state);
  }
  if (event === 'pull_request_review' && parsed.data.action === 'submitted' && pull) {
    if (parsed.data.review?.state.toLowerCase() !== 'changes_requested')
      return { reason: 'not a change request' };
    const taskId = taskOf(pull.head.ref);
    if (taskId === undefined) return notWarden;
    return done(taskId, (await pulls.changesRequested(name, taskId)) ? 'changes-requested' : undefined);
  }
  if (event === 'push') {
    const commits = parsed.data.commits ?? [];
    const taskId = taskOf(parsed.data.ref);
    if (taskId !== undefined) {
      const login = sender?.login ?? '';
      if (settings.ignoreActors.includes(login)) return { reason: `${login} is Warden's own account` };
      const human = commits.length > 0 && (await pulls.humanCommits(name, taskId, commits.length));
      return done(taskId, human ? 'human-commits' : undefined);
    }
    if (
      repository.default_branch !== undefined &&
      parsed.data.ref !== `refs/heads/${repository.default_branch}`
    ) {
      return { reason: 'a push to neither a Warden branch nor the default branch' };
    }
    const reverted = commits.flatMap((commit) =>
      [...(commit.message ?? '').matchAll(REVERTS)].map((match) => match[1]!),
    );
    const tasks = await pulls.reverted(name, reverted, now.toISOString());
    return tasks.length > 0
      ? { taskIds: tasks, change: 'reverted' }
      : { reason: 'no revert of a Warden merge' };
  }
  return { reason: `no outcome in ${event}.${parsed.data.action ?? ''}` };
}

/**
 * Receives a verified outcome event: recorded once by delivery id (a replay changes nothing), applied to
 * the pull requests, and journaled on each task it moved (`forge-outcome`).
 */
export async function receiveOutcomeEvent(
  parts: Pick<SharedParts, 'config' | 'store' | 'stores' | 'journal'>,
  delivery: GithubDelivery,
): Promise<TriggerDecision> {
  const book = deliveryBook(parts.stores.deliveries, {
    id: delivery.id,
    source: 'github',
    event: delivery.event,
  });
  const claim = (outcome: string) => book.claim({ outcome });
  if (await book.replayed()) return { outcome: 'replayed' };
  const pulls = parts.stores.pullOutcomes;
  const applied = await applyOutcomeEvent(parts.config, delivery.event, delivery.payload, pulls);
  if ('reason' in applied) {
    await claim(`ignored: ${applied.reason}`);
    return { outcome: 'ignored', reason: applied.reason };
  }
  await claim(`recorded: ${applied.change}`);
  await journalOutcome(parts, applied, delivery);
  return { outcome: 'recorded', change: applied.change, taskIds: applied.taskIds };
}

async function journalOutcome(
  parts: Pick<SharedParts, 'store' | 'journal'>,
  applied: { taskIds: string[]; change: string },
  delivery: GithubDelivery,
): Promise<void> {
  const sender = (delivery.payload as { sender?: { login?: unknown } }).sender?.login;
  const fields = {
    change: applied.change,
    event: delivery.event,
    deliveryId: delivery.id,
    actor: typeof sender === 'string' ? sender : 'unknown',
  };
  for (const taskId of applied.taskIds) {
    for (let attempt = 1; ; attempt++) {
      // Right after the head as read now, whichever worker ran the task: an outcome is news of the task,
      // not a step of its run, so a fleet worker's lease fence does not apply. A writer that got there
      // first refuses it (`journal-corrupt`), and the head is read again.
      const head = await parts.store.lastEvent(taskId);
      try {
        await parts.journal.appendAndUpdate(taskId, 'forge-outcome', fields, {}, head);
        break;
      } catch (error) {
        if (attempt >= 3 || !(error instanceof WardenError && error.code === 'journal-corrupt')) throw error;
      }
    }
  }
}

/** A GitHub delivery as a `forge-outcome` job carries it. */
const ForgeOutcomePayload = z.object({
  delivery: z.object({ id: z.string().min(1), event: z.string().min(1), payload: z.unknown() }),
});

/** The fleet job that records an outcome event on a worker (see `receiveOutcomeEvent`). */
export function forgeOutcomeJob(delivery: GithubDelivery): FleetJob {
  const { id, event, payload } = delivery;
  return { kind: 'forge-outcome', payload: { delivery: { id, event, payload } } };
}

/**
 * The delivery a `forge-outcome` job carries.
 *
 * @throws UserError `usage` when the payload is not one (the job fails for good).
 */
export function deliveryOfForgeOutcomeJob(payload: unknown): GithubDelivery {
  const parsed = ForgeOutcomePayload.safeParse(payload);
  if (!parsed.success) throw new UserError('usage', `not a forge-outcome job: ${parsed.error.message}`);
  const { id, event } = parsed.data.delivery;
  return { id, event, payload: parsed.data.delivery.payload };
}
