import type { Config } from '../config/index.ts';
import type { TaskTrigger } from '../spec/journal-events.ts';
import type { ContextSource } from '../spec/provenance.ts';
import { type AuthoredSource, EventPayload, type ForgeContext, taskOf } from './github-events.ts';
import type { TaskRequest } from './task-operations.ts';

/** The value of `triggers.github.repositories` that asks Warden to keep its own checkout. */
export const CLONE = 'clone';

/** A GitHub webhook delivery whose signature the receiver verified. */
export interface GithubDelivery {
  /** `X-GitHub-Delivery`. */
  id: string;
  /** `X-GitHub-Event`. */
  event: string;
  payload: unknown;
}

/** The record of deliveries the decision consults and writes (a `DeliveryStore`, and the tasks). */
export interface DeliveryBook {
  /** Whether a delivery with this id was recorded before; if so, the replay is counted on that record. */
  replayed(): Promise<boolean>;
  /** Records the delivery with its outcome; false when its id was seen before. */
  claim(record: {
    outcome: string;
    taskId?: string | undefined;
    repository?: string;
    subject?: string;
  }): Promise<boolean>;
  /** Tasks the repository's deliveries started since `sinceIso`. */
  startedSince(repository: string, sinceIso: string): Promise<number>;
  /** The task a delivery of this subject started and that has not ended yet; undefined when none. */
  busyWith(repository: string, subject: string): Promise<string | undefined>;
  /** Records on a running task that this delivery of its subject came while it worked (never throws). */
  attach?(taskId: string, trigger: TaskTrigger): Promise<void>;
}

/** What the decision asks GitHub (through the App): who may write, and Warden's open pull requests. */
export interface ForgeQuestions {
  writeAccess(repository: string, login: string): Promise<{ allowed: boolean; permission: string }>;
  openWardenPulls(repository: string): Promise<number>;
}

/** What a delivery comes to: a task to start, nothing (and why), or a replay of one seen before. */
export type TriggerDecision =
  | { outcome: 'started'; taskId: string; request: TaskRequest & { taskId: string } }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'replayed' }
  /** An outcome event (a merge, a change request…) moved these tasks' pull requests. */
  | { outcome: 'recorded'; change: string; taskIds: string[] }
  /** A fleet: the delivery was queued as this job, for a worker to decide. */
  | { outcome: 'queued'; jobId: string };

/**
 * Decides what a verified GitHub delivery starts, by `triggers.github`: a completed `workflow_run` or
 * `check_suite` that failed, or an issue given the trigger's label, of a configured repository, starts
 * the trigger's agent on that repository's checkout, with the trigger recorded on the task. Nothing
 * starts for an event of an ignored actor (Warden's own bot) or on a `warden/` branch (Warden's own
 * work), of an actor without write access to the repository (GitHub's answer, cached briefly), of a
 * subject (the workflow on its branch, the issue) a task is still working on, of a repository that
 * started `maxPerHour` tasks in the last hour, or that has `maxOpenPullRequests` Warden pull requests
 * open. Every delivery is recorded in `book` once, by id; a replay starts nothing.
 *
 * @throws SystemError `forge-failed` when GitHub cannot answer: nothing is recorded, so the delivery
 *   can come again.
 */
export async function decideGithubDelivery(
  config: Config,
  delivery: GithubDelivery,
  newTaskId: () => string,
  book: DeliveryBook,
  forge: ForgeQuestions,
  now = new Date(),
): Promise<TriggerDecision> {
  if (await book.replayed()) return { outcome: 'replayed' };
  const found = decide(config, delivery);
  if ('reason' in found) {
    return (await book.claim({ outcome: `ignored: ${found.reason}` }))
      ? { outcome: 'ignored', reason: found.reason }
      : { outcome: 'replayed' };
  }
  const { repository, subject } = found;
  const admitted = await admit(config, found, book, forge, now);
  const taskId = 'refused' in admitted ? undefined : newTaskId();
  const outcome = 'refused' in admitted ? `ignored: ${admitted.refused}` : 'started';
  // Claimed only now: a delivery GitHub could not be asked about is not recorded, and may come again.
  if (!(await book.claim({ outcome, taskId, repository, subject }))) return { outcome: 'replayed' };
  if ('refused' in admitted || taskId === undefined) {
    // A second failure of the same subject belongs to the task already on it: its journal says so.
    if ('refused' in admitted && admitted.busy !== undefined) {
      await book.attach?.(admitted.busy, found.request.trigger!);
    }
    return { outcome: 'ignored', reason: 'refused' in admitted ? admitted.refused : outcome };
  }
  // What the task needs of the forge (a diff, a failed run's logs) is fetched when it starts, not here.
  const context = found.needs === undefined ? undefined : { repository, ...found.needs };
  return { outcome: 'started', taskId, request: { ...found.request, context, taskId } };
}

/** Why a task the rules asked for may not start (the actor's write access, the subject, the limits). */
async function admit(
  config: Config,
  found: { repository: string; subject: string; request: TaskRequest; needs?: ForgeContext | undefined },
  book: DeliveryBook,
  forge: ForgeQuestions,
  now: Date,
): Promise<{ refused: string; busy?: string } | { admitted: true }> {
  const { repository, subject } = found;
  const actor = found.request.trigger!.actor;
  const access = await forge.writeAccess(repository, actor);
  if (!access.allowed) {
    return {
      refused: `${actor} has ${access.permission} access to ${repository}; only people with write access start work`,
    };
  }
  const open = await forge.openWardenPulls(repository);
  // No I/O from here to the claim with the embedded store (its answers need no event-loop turn), so two
  // deliveries of one subject cannot both pass in one process.
  const busy = await book.busyWith(repository, subject);
  if (busy !== undefined) return { refused: `task ${busy} is already working on ${subject}`, busy };
  const { maxPerHour, maxOpenPullRequests } = config.triggers.github;
  const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
  if ((await book.startedSince(repository, hourAgo)) >= maxPerHour) {
    return {
      refused: `${repository} started ${maxPerHour} task(s) in the last hour (triggers.github.maxPerHour)`,
    };
  }
  if (open >= maxOpenPullRequests) {
    return {
      refused: `${repository} has ${open} open Warden pull request(s) (triggers.github.maxOpenPullRequests: ${maxOpenPullRequests})`,
    };
  }
  return { admitted: true };
}

/** What the delivery asks for by the rules alone: a task on a repository's subject, or why nothing. */
function decide(
  config: Config,
  delivery: GithubDelivery,
):
  | { reason: string }
  | { repository: string; subject: string; request: TaskRequest; needs?: ForgeContext | undefined } {
  const settings = config.triggers.github;
  const parsed = EventPayload.safeParse(delivery.payload);
  if (!parsed.success) return { reason: 'the payload is not a GitHub event this version reads' };
  const payload = parsed.data;
  const repository = payload.repository?.full_name;
  const actor = payload.sender?.login ?? 'unknown';
  const event = `${delivery.event}.${payload.action ?? ''}`;
  if (settings.ignoreActors.includes(actor)) return { reason: `${actor} is Warden's own account` };
  const checkout = repository === undefined ? undefined : settings.repositories[repository];
  if (repository === undefined || checkout === undefined) {
    return { reason: `repository ${repository ?? '(none)'} is not in triggers.github.repositories` };
  }
  for (const rule of settings.on) {
    if (rule.event !== delivery.event) continue;
    const found = taskOf(settings, rule, payload);
    if (found === undefined) continue;
    if ('skip' in found) return { reason: found.skip };
    const trigger: TaskTrigger = {
      kind: 'github',
      event,
      deliveryId: delivery.id,
      actor,
      url: found.url,
      repository,
      number: found.number,
    };
    return {
      repository,
      subject: found.subject,
      needs: found.needs,
      request: {
        // `clone`: Warden's own checkout, fetched from GitHub just before the task.
        repo: checkout === CLONE ? '' : checkout,
        fetch: checkout === CLONE ? { repository, ref: found.ref ?? 'HEAD' } : undefined,
        task: found.task,
        agent: rule.agent,
        requestedBy: `github:${actor}`,
        trigger,
        sources: untrustedOf(found.sources, actor, config.provenance.trustedAssociations),
        shadow: rule.mode === undefined ? undefined : rule.mode === 'shadow',
      },
    };
  }
  return { reason: `no trigger for ${event}` };
}

/**
 * The sources of a triggered task's text that taint it: forge text by an author who is neither the
 * event's actor (whose write access is checked before any task starts) nor of a trusted association;
 * CI logs always. An author or association GitHub did not give counts as untrusted.
 */
export function untrustedOf(
  sources: readonly AuthoredSource[],
  actor: string,
  trustedAssociations: readonly string[],
): ContextSource[] {
  return sources
    .filter(
      (source) =>
        source.kind === 'ci-log' ||
        !(
          (source.author !== undefined && source.author === actor) ||
          (source.association !== undefined && trustedAssociations.includes(source.association))
        ),
    )
    .map(({ association: _association, ...source }) => source);
}
