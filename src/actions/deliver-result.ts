import type { CredentialBroker } from '../credentials/index.ts';
import type { Forge } from '../forge/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ActionDecider, ActionStore } from '../spec/actions.ts';
import { taskTrailers } from '../spec/task-trailers.ts';
import type { Task } from '../spec/types.ts';
import { ActionGateway } from './action-gateway.ts';
import type { ApprovalInbox } from './approval-inbox.ts';
import { type Delivery, deliverBranch } from './deliver-branch.ts';

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
}

/**
 * Delivers a succeeded task's branch as a pull request on the forge, through the action gateway: the
 * push and the pull request are checked by the gateway's fixed rules and the policy bundle, run with a
 * task token minted for them alone, journaled on the task, and recorded under idempotency keys
 * (delivering again repeats nothing). Returns `null` when there is nothing to deliver: a task that did
 * not succeed, or no branch.
 */
export async function deliverResult(delivery: ResultDelivery, task: Task): Promise<Delivery | null> {
  if (task.status !== 'succeeded' || task.branch === null) return null;
  const gateway = new ActionGateway({
    forge: delivery.forge,
    decider: delivery.decider,
    broker: delivery.broker,
    actions: delivery.actions,
    approvals: delivery.approvals,
    journal: delivery.journal,
    // The result branch lives in the user's repository; pushes read it from there (never write it).
    workspaceDir: task.repo,
  });
  return await deliverBranch(
    { gateway, broker: delivery.broker, repository: delivery.forge.repository },
    {
      taskId: task.id,
      branch: task.branch,
      title: pullRequestTitle(task.prompt),
      body: pullRequestBody(task),
      reviewers: delivery.reviewers,
    },
  );
}

function pullRequestTitle(prompt: string): string {
  const firstLine = prompt.split('\n')[0]!.trim();
  return `warden: ${firstLine.length > 200 ? `${firstLine.slice(0, 197)}...` : firstLine}`;
}

function pullRequestBody(task: Task): string {
  return [
    task.prompt,
    '',
    '---',
    `Change made by a Warden agent in ${task.steps} model calls for $${task.costUsd.toFixed(4)}.`,
    '',
    taskTrailers(task.id),
  ].join('\n');
}
