import type { CredentialBroker } from '../credentials/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ActionName, PullRequest, PullRequestComment } from '../spec/actions.ts';
import { describeError } from '../spec/errors.ts';
import type { ActionGateway, ActionOutcome } from './action-gateway.ts';

/** The actions a delivery may take, and so all its task token allows. */
const DELIVERY_ACTIONS: readonly ActionName[] = ['forge.push', 'forge.open_pr', 'forge.request_review'];

export interface DeliveryRequest {
  taskId: string;
  /** The branch holding the task's commit, in the gateway's source repository; pushed under the same name. */
  branch: string;
  title: string;
  body: string;
  /** Reviewers to request; empty: none requested. */
  reviewers: readonly string[];
  /** Labels the pull request is opened with; empty or absent: none. */
  labels?: readonly string[] | undefined;
}

/** How a delivery ended. Every step is an action outcome recorded (and journaled) by the gateway. */
export interface Delivery {
  /**
   * `opened`: the branch was pushed and the pull request exists (a reviewer request may still have been
   * refused, see `detail`); `denied`: a rule, the policy or a human refused a step; `awaiting_approval`:
   * a step waits for a human (approve it, then deliver again); `failed`: the forge failed;
   * `commented`: the comment was posted (an agent that `delivers: comment`).
   */
  status: 'opened' | 'commented' | 'denied' | 'awaiting_approval' | 'failed';
  pullRequest: PullRequest | null;
  /** A sentence for people on what happened. */
  detail: string;
  /** The outcome of each action taken, in order. */
  actions: ActionOutcome[];
}

/**
 * Delivers a task's branch as a pull request through the action gateway: push the branch, open the
 * pull request, request the reviewers. Each step is checked by the gateway's rules and the policy and
 * runs under a task token minted for just these actions; each is idempotent, so delivering again (after
 * an approval, or after a crash) repeats nothing that already happened. Never throws for a refused or
 * failed step: the delivery says what happened.
 */
export async function deliverBranch(settings: DeliverySettings, request: DeliveryRequest): Promise<Delivery> {
  const { gateway } = settings;
  const actions: ActionOutcome[] = [];
  const token = await issueTaskToken(settings, request.taskId, DELIVERY_ACTIONS);
  const act = async (action: ActionName, parameters: unknown): Promise<ActionOutcome | Delivery> => {
    try {
      const outcome = await gateway.execute({ taskId: request.taskId, token, action, parameters });
      actions.push(outcome);
      return outcome;
    } catch (error) {
      return {
        status: 'failed',
        pullRequest: null,
        detail: `${action} failed: ${describeError(error)}`,
        actions,
      };
    }
  };
  const pushed = await act('forge.push', { branch: request.branch });
  if (!isOutcome(pushed)) return pushed;
  if (pushed.status !== 'done') return stopped(pushed, actions);

  const opened = await act('forge.open_pr', {
    head: request.branch,
    title: request.title,
    body: request.body,
    ...(request.labels && request.labels.length > 0 ? { labels: [...request.labels] } : {}),
  });
  if (!isOutcome(opened)) return opened;
  if (opened.status !== 'done') return stopped(opened, actions);
  let pullRequest = opened.result as PullRequest;
  let detail = `pull request #${pullRequest.number} opened: ${pullRequest.url}`;

  if (request.reviewers.length > 0) {
    const reviewed = await act('forge.request_review', {
      number: pullRequest.number,
      reviewers: [...request.reviewers],
    });
    if (!isOutcome(reviewed)) detail = `${detail}; ${reviewed.detail}`;
    else if (reviewed.status === 'done') pullRequest = reviewed.result as PullRequest;
    else detail = `${detail}; ${stopped(reviewed, actions).detail}`;
  }
  return { status: 'opened', pullRequest, detail, actions };
}

/**
 * Posts a task's comment on an issue or pull request (`forge.comment`), or its review of a pull
 * request with line comments (`forge.review`), through the action gateway: checked by the policy, under
 * a task token for that action alone, idempotent. Never throws for a refused or failed step: the
 * delivery says what happened.
 */
export async function deliverRemark(
  settings: DeliverySettings,
  request:
    | { taskId: string; action: 'forge.comment'; parameters: { number: number; body: string } }
    | {
        taskId: string;
        action: 'forge.review';
        parameters: { number: number; body: string; comments: ReviewComment[] };
      },
): Promise<Delivery> {
  const { taskId, action, parameters } = request;
  const token = await issueTaskToken(settings, taskId, [action]);
  try {
    const outcome = await settings.gateway.execute({ taskId, token, action, parameters });
    if (outcome.status !== 'done') return stopped(outcome, [outcome]);
    const posted = outcome.result as PullRequestComment;
    const what = action === 'forge.review' ? 'review' : 'comment';
    return {
      status: 'commented',
      pullRequest: null,
      detail: `${what} posted on #${parameters.number}: ${posted.url}`,
      actions: [outcome],
    };
  } catch (error) {
    return {
      status: 'failed',
      pullRequest: null,
      detail: `${action} failed: ${describeError(error)}`,
      actions: [],
    };
  }
}

/** Issues the task token the delivery's actions run under, journaled on the task (`credential-issued`). */
async function issueTaskToken(
  settings: DeliverySettings,
  taskId: string,
  actions: readonly ActionName[],
): Promise<string> {
  const issued = await settings.broker.issueTaskToken({ taskId, repository: settings.repository, actions });
  await settings.journal?.append(taskId, 'credential-issued', {
    kind: 'task-token',
    repository: settings.repository,
    scope: [...actions],
    expiresAt: issued.expiresAt.toISOString(),
  });
  return issued.token;
}

/** What a delivery goes through: the gateway, the broker, the forge repository and the task's journal. */
export interface DeliverySettings {
  gateway: ActionGateway;
  broker: CredentialBroker;
  repository: string;
  journal?: Journal | undefined;
}

/** A comment on a line of a pull request's changed file. */
export interface ReviewComment {
  path: string;
  line: number;
  body: string;
}

function isOutcome(value: ActionOutcome | Delivery): value is ActionOutcome {
  return 'key' in value;
}

function stopped(outcome: Exclude<ActionOutcome, { status: 'done' }>, actions: ActionOutcome[]): Delivery {
  if (outcome.status === 'awaiting_approval') {
    return {
      status: 'awaiting_approval',
      pullRequest: null,
      detail: `${outcome.action} waits for a human approval (${outcome.approvalId}): ${outcome.reasons.join('; ')}`,
      actions,
    };
  }
  return {
    status: 'denied',
    pullRequest: null,
    detail: `${outcome.action} was denied by ${outcome.by === 'rule' ? "the gateway's rules" : outcome.by === 'policy' ? 'policy' : 'a human'}: ${outcome.reasons.join('; ')}`,
    actions,
  };
}
