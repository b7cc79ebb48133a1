import type { CredentialBroker } from '../credentials/index.ts';
import type { Forge } from '../forge/index.ts';
import type { SecretScanner } from '../guard/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ActionDecider, ActionStore } from '../spec/actions.ts';
import type { JournalEvent } from '../spec/journal-events.ts';
import { taskTrailers } from '../spec/task-trailers.ts';
import type { Task } from '../spec/types.ts';
import { ActionGateway } from './action-gateway.ts';
import type { ApprovalInbox } from './approval-inbox.ts';
import { type Delivery, deliverBranch, deliverRemark, type ReviewComment } from './deliver-branch.ts';

/** What delivering a task's result goes through: the forge, and the gateway's parts around it. */
export interface ResultDelivery {
  forge: Forge;
  broker: CredentialBroker;
  /** The policy's answer on each action. */
  decider: ActionDecider;
  actions: ActionStore;
  approvals: ApprovalInbox;
  journal: Journal;
  /** Reviewers requested on the pull request (`forge.reviewers`). */
  reviewers: readonly string[];
  /** Labels put on the pull request (`forge.labels`). */
  labels?: readonly string[] | undefined;
  /** What text bound for the forge is scanned with; undefined: the gateway's default scanner. */
  secretScanner?: SecretScanner | undefined;
}

/**
 * Delivers a succeeded task's branch as a pull request on the forge, through the action gateway: the
 * push and the pull request are checked by the gateway's fixed rules and the policy bundle, run with a
 * task token minted for them alone, journaled on the task, and recorded under idempotency keys
 * (delivering again repeats nothing). Returns `null` when there is nothing to deliver: a task that did
 * not succeed, or no branch.
 */
export async function deliverResult(
  delivery: ResultDelivery,
  task: Task,
  events: readonly JournalEvent[],
): Promise<Delivery | null> {
  if (task.status !== 'succeeded' || task.branch === null) return null;
  return await deliverBranch(
    {
      gateway: gatewayOf(delivery, task),
      broker: delivery.broker,
      repository: delivery.forge.repository,
      journal: delivery.journal,
    },
    {
      taskId: task.id,
      branch: task.branch,
      title: pullRequestTitle(task.prompt),
      body: pullRequestBody(task, events),
      reviewers: delivery.reviewers,
      labels: delivery.labels ?? [],
    },
  );
}

/**
 * Posts the task's remark through the action gateway: on a pull request, a review whose `path:line: …`
 * lines become line comments; on an issue, a comment.
 */
export async function deliverTaskComment(
  delivery: ResultDelivery,
  task: Task,
  target: { number: number; pullRequest: boolean },
  body: string,
): Promise<Delivery> {
  const settings = {
    gateway: gatewayOf(delivery, task),
    broker: delivery.broker,
    repository: delivery.forge.repository,
    journal: delivery.journal,
  };
  if (!target.pullRequest) {
    return await deliverRemark(settings, {
      taskId: task.id,
      action: 'forge.comment',
      parameters: { number: target.number, body },
    });
  }
  const { text, comments } = lineComments(body);
  return await deliverRemark(settings, {
    taskId: task.id,
    action: 'forge.review',
    parameters: { number: target.number, body: text, comments },
  });
}

/** `path:line: text` lines (as a list item, the location in backticks or not). */
const LINE_COMMENT = /^\s*(?:[-*]\s+)?`?([^\s`:]+):(\d+)`?:\s+(.+)$/;

/** A review's text split into its line comments (at most 50) and the rest. */
export function lineComments(review: string): { text: string; comments: ReviewComment[] } {
  const comments: ReviewComment[] = [];
  const rest: string[] = [];
  for (const line of review.split('\n')) {
    const match = comments.length < 50 ? LINE_COMMENT.exec(line) : null;
    if (match && Number(match[2]) > 0)
      comments.push({ path: match[1]!, line: Number(match[2]), body: match[3]! });
    else rest.push(line);
  }
  const text = rest.join('\n').trim();
  return { text: text || 'Review comments on the changed lines.', comments };
}

function gatewayOf(delivery: ResultDelivery, task: Task): ActionGateway {
  return new ActionGateway({
    forge: delivery.forge,
    decider: delivery.decider,
    broker: delivery.broker,
    actions: delivery.actions,
    approvals: delivery.approvals,
    journal: delivery.journal,
    // The result branch lives in the user's repository; pushes read it from there (never write it).
    workspaceDir: task.repo,
    secretScanner: delivery.secretScanner,
  });
}

/**
 * A comment agent's comment (a review, a diagnosis), from the task's journal: the agent's last words,
 * then what it cost and where the trace is.
 */
export function commentBody(task: Task, events: readonly JournalEvent[]): string {
  const said = lastWords(events);
  return [
    said ?? '_The agent gave no answer._',
    '',
    '---',
    `Posted by a Warden agent (${task.steps} model call(s), $${task.costUsd.toFixed(4)}); the full record: \`warden trace ${task.id}\`.`,
  ].join('\n');
}

/** The task's last non-empty model text (its own, not a child's); undefined when there is none. */
function lastWords(events: readonly JournalEvent[]): string | undefined {
  const found = events.findLast(
    (event) => event.child === undefined && event.type === 'model-response' && event.text.trim() !== '',
  );
  return found?.type === 'model-response' ? found.text.trim() : undefined;
}

/** The pull request's title: `warden: ` and the task's first line. */
export function pullRequestTitle(prompt: string): string {
  const firstLine = prompt.split('\n')[0]!.trim();
  return `warden: ${firstLine.length > 200 ? `${firstLine.slice(0, 197)}...` : firstLine}`;
}

/**
 * The pull request's description, from the task's journal: what was asked, what the agent said it did,
 * the checks that ran and how they ended, the cost, the policy's decisions, and where the trace is.
 */
export function pullRequestBody(task: Task, events: readonly JournalEvent[]): string {
  const start = events.find((event) => event.type === 'task-start');
  const summary = lastWords(events);
  const checks = events.filter((event) => event.type === 'check');
  const decisions = { allow: 0, ask: 0, deny: 0 };
  for (const event of events) if (event.type === 'decision') decisions[event.decision] += 1;
  const trigger = start?.type === 'task-start' ? start.trigger : undefined;
  const lines = [task.prompt, '', '## What the agent did', ''];
  lines.push(summary === undefined ? '_The agent gave no summary._' : quoted(summary));
  lines.push('', '## Checks', '');
  if (checks.length === 0) lines.push('_No check ran._');
  for (const check of checks) {
    if (check.type !== 'check') continue;
    lines.push(
      `- \`${check.check}\`: ${check.passed ? 'passed' : 'failed'}${check.summary ? ` (${check.summary})` : ''}`,
    );
  }
  lines.push(
    '',
    '## Cost and policy',
    '',
    `- ${task.steps} model call(s), $${task.costUsd.toFixed(4)}`,
    `- Policy: ${decisions.allow} call(s) allowed, ${decisions.ask} asked a human, ${decisions.deny} denied`,
  );
  if (trigger) {
    const link = trigger.url ? ` (${trigger.url})` : '';
    lines.push(`- Started by ${trigger.kind} \`${trigger.event}\` from @${trigger.actor}${link}`);
  }
  lines.push(
    '',
    `The full record: \`warden trace ${task.id}\`, or \`GET /api/tasks/${task.id}/trace\` on \`warden serve\`.`,
    '',
    '---',
    taskTrailers(task.id),
  );
  return lines.join('\n');
}

/** Text as a Markdown quote, cut to what a description holds. */
function quoted(text: string): string {
  const cut = text.length > 4000 ? `${text.slice(0, 4000)}…` : text;
  return cut
    .trim()
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}
