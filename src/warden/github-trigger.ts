import { z } from 'zod';
import type { Config } from '../config/index.ts';
import type { TaskTrigger } from '../spec/journal-events.ts';
import type { TaskRequest } from './task-operations.ts';

/** A GitHub webhook delivery whose signature the receiver verified. */
export interface GithubDelivery {
  /** `X-GitHub-Delivery`. */
  id: string;
  /** `X-GitHub-Event`. */
  event: string;
  payload: unknown;
}

/** What a delivery comes to: a task to start, nothing (and why), or a replay of one seen before. */
export type TriggerDecision =
  | { outcome: 'started'; taskId: string; request: TaskRequest & { taskId: string } }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'replayed' };

/** The parts of a payload the triggers read; anything else in it is left alone. */
const Payload = z.looseObject({
  action: z.string().optional(),
  repository: z.looseObject({ full_name: z.string() }).optional(),
  sender: z.looseObject({ login: z.string() }).optional(),
  workflow_run: z
    .looseObject({
      name: z.string().nullish(),
      conclusion: z.string().nullish(),
      head_branch: z.string().nullish(),
      html_url: z.string().nullish(),
    })
    .optional(),
  check_suite: z
    .looseObject({
      conclusion: z.string().nullish(),
      head_branch: z.string().nullish(),
      url: z.string().nullish(),
    })
    .optional(),
  issue: z
    .looseObject({
      number: z.number(),
      title: z.string(),
      body: z.string().nullish(),
      html_url: z.string().nullish(),
    })
    .optional(),
  label: z.looseObject({ name: z.string() }).optional(),
});

/**
 * Decides what a verified GitHub delivery starts, by `triggers.github`: a completed `workflow_run` or
 * `check_suite` that failed, or an issue given the trigger's label, of a configured repository, starts
 * the trigger's agent on that repository's checkout, with the trigger recorded on the task. Events of
 * an ignored actor (Warden's own bot) or on a `warden/` branch (Warden's own work) start nothing. The
 * decision is pure; `claim` records the delivery and says whether its id is new (a replay starts nothing).
 */
export function decideGithubDelivery(
  config: Config,
  delivery: GithubDelivery,
  newTaskId: () => string,
  claim: (outcome: string, taskId: string | undefined) => boolean,
): TriggerDecision {
  const decision = decide(config, delivery, newTaskId);
  const recorded =
    decision.outcome === 'started'
      ? 'started'
      : decision.outcome === 'ignored'
        ? `ignored: ${decision.reason}`
        : '';
  if (!claim(recorded, decision.outcome === 'started' ? decision.taskId : undefined))
    return { outcome: 'replayed' };
  return decision;
}

function decide(config: Config, delivery: GithubDelivery, newTaskId: () => string): TriggerDecision {
  const settings = config.triggers.github;
  const parsed = Payload.safeParse(delivery.payload);
  if (!parsed.success)
    return { outcome: 'ignored', reason: 'the payload is not a GitHub event this version reads' };
  const payload = parsed.data;
  const repository = payload.repository?.full_name;
  const actor = payload.sender?.login ?? 'unknown';
  const event = `${delivery.event}.${payload.action ?? ''}`;
  if (settings.ignoreActors.includes(actor))
    return { outcome: 'ignored', reason: `${actor} is Warden's own account` };
  const checkout = repository === undefined ? undefined : settings.repositories[repository];
  if (repository === undefined || checkout === undefined) {
    return {
      outcome: 'ignored',
      reason: `repository ${repository ?? '(none)'} is not in triggers.github.repositories`,
    };
  }
  for (const rule of settings.on) {
    if (rule.event !== delivery.event) continue;
    const found = taskOf(rule, payload);
    if (found === undefined) continue;
    if ('skip' in found) return { outcome: 'ignored', reason: found.skip };
    const taskId = newTaskId();
    const trigger: TaskTrigger = { kind: 'github', event, deliveryId: delivery.id, actor, url: found.url };
    return {
      outcome: 'started',
      taskId,
      request: {
        taskId,
        repo: checkout,
        task: found.task,
        agent: rule.agent,
        requestedBy: `github:${actor}`,
        trigger,
      },
    };
  }
  return { outcome: 'ignored', reason: `no trigger for ${event}` };
}

/** The task a rule makes of a payload; undefined when the rule does not match it. */
function taskOf(
  rule: Config['triggers']['github']['on'][number],
  payload: z.infer<typeof Payload>,
): { task: string; url: string | undefined } | { skip: string } | undefined {
  if (rule.event === 'workflow_run' || rule.event === 'check_suite') {
    const run = rule.event === 'workflow_run' ? payload.workflow_run : payload.check_suite;
    if (payload.action !== 'completed' || run?.conclusion !== 'failure') return undefined;
    const branch = run.head_branch ?? '';
    if (branch.startsWith('warden/')) return { skip: `the failure is on Warden's own branch ${branch}` };
    const name = payload.workflow_run?.name ?? 'checks';
    const url = payload.workflow_run?.html_url ?? payload.check_suite?.url ?? undefined;
    return {
      task: `CI (${name}) failed on branch ${branch || '(unknown)'}${url ? ` (${url})` : ''}. Reproduce the failure, find its cause and fix it.`,
      url,
    };
  }
  if (payload.action !== 'labeled' || !payload.issue || payload.label?.name !== rule.label) return undefined;
  const { issue } = payload;
  return {
    task: `Resolve issue #${issue.number}: ${issue.title}\n\n${issue.body ?? ''}`.trim(),
    url: issue.html_url ?? undefined,
  };
}
