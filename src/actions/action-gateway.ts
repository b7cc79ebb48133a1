import type { CredentialBroker } from '../credentials/index.ts';
import type { Forge } from '../forge/index.ts';
import { createSecretScanner, type SecretScanner } from '../guard/index.ts';
import { type Journal, taintFacts } from '../journal/index.ts';
import { runGit } from '../sandbox/index.ts';
import type { ActionDecider, ActionDecisionRequest, ActionName, ActionStore } from '../spec/actions.ts';
import { matchesBranchPattern } from '../spec/branch-pattern.ts';
import { describeError, SystemError, UnsupportedError, UserError, WardenError } from '../spec/errors.ts';
import type { ActionResultFields } from '../spec/journal-events.ts';
import type { Decision } from '../spec/types.ts';
import { ACTION_PARAMETER_SCHEMAS, type ActionParameters } from './action-parameters.ts';
import type { ApprovalInbox } from './approval-inbox.ts';
import { refusePush } from './branch-rules.ts';
import { type DeployTarget, runDeploy } from './deploy-target.ts';
import { actionIdempotencyKey } from './idempotency-key.ts';
import { refuseSecrets } from './outgoing-secrets.ts';

/** The policy id reported when the gateway's own rules refuse an action before policy is asked. */
export const GATEWAY_RULE_ID = 'warden.gateway';
/** The policy id reported when a deploy is sent for approval whatever the policy said. */
export const DEPLOY_APPROVAL_RULE_ID = 'warden.deploy-requires-approval';

export interface ActionGatewaySettings {
  forge: Forge;
  decider: ActionDecider;
  broker: CredentialBroker;
  actions: ActionStore;
  approvals: ApprovalInbox;
  /** Where action results are journaled (`action-result`); undefined: not journaled. */
  journal?: Journal;
  /** The host directory of the task's workspace, the source of pushes; undefined: pushes are refused. */
  workspaceDir?: string;
  /** How to deploy; undefined: deploys are refused. */
  deploy?: DeployTarget;
  /**
   * What text bound for the forge (pull request titles and bodies, comments, reviews) is scanned with;
   * undefined: the default rules, with a salt of this gateway's own. The scan is never off.
   */
  secretScanner?: SecretScanner;
}

/** One action as the agent (or a pattern) asks for it. */
export interface ActionCall {
  taskId: string;
  /** The task's token from the credential broker; it must allow this action on the forge's repository. */
  token: string;
  action: ActionName;
  /** Untrusted: parsed against the action's schema. */
  parameters: unknown;
}

/** What came of an action, in a shape a model can reason about. */
export type ActionOutcome =
  | { status: 'done'; action: ActionName; key: string; result: unknown; replayed: boolean }
  | {
      status: 'denied';
      action: ActionName;
      key: string;
      /** `rule`: the gateway's fixed rules; `policy`: the decider; `human`: an approver. */
      by: 'rule' | 'policy' | 'human';
      reasons: string[];
      policyIds: string[];
    }
  | {
      status: 'awaiting_approval';
      action: ActionName;
      key: string;
      approvalId: string;
      reasons: string[];
      policyIds: string[];
    };

/**
 * The only way Warden touches the world outside a sandbox. Each action is parsed, its task token is
 * verified, fixed rules are applied (pushes only to `warden/*`, never the default or a protected branch,
 * never forced), policy is asked (`deploy` always goes to a human), approvals are consulted, and then
 * the host executes it, once: the result is recorded under an idempotency key, so a repeat returns the
 * recorded result without a second effect.
 */
export class ActionGateway {
  readonly #settings: ActionGatewaySettings;
  readonly #scanner: SecretScanner;

  constructor(settings: ActionGatewaySettings) {
    this.#settings = settings;
    this.#scanner = settings.secretScanner ?? createSecretScanner();
  }

  /**
   * Runs one action, or says why not.
   * @throws UserError `action-invalid` for malformed parameters; SystemError `credential-refused` for a
   *   token that is expired, for another task, repository or action; SystemError `action-in-doubt` when
   *   an earlier execution under the same key started and never finished; `unsupported` when the forge
   *   cannot do it; the (redacted) failure of the forge or deploy.
   */
  async execute(call: ActionCall): Promise<ActionOutcome> {
    const { forge, broker } = this.#settings;
    const parameters = parseParameters(call.action, call.parameters);
    await broker.verifyTaskToken(call.token, {
      taskId: call.taskId,
      repository: forge.repository,
      action: call.action,
    });
    // The fixed rules come first: nothing (not policy, not an approval) can let these through. Then
    // the secret scan, of the text it would post or the commits it would push.
    let refusal = await this.#fixedRules(call.action, parameters);
    const resolved = refusal === undefined ? await this.#resolve(call.action, parameters) : parameters;
    const key = actionIdempotencyKey(call.taskId, call.action, resolved);
    refusal ??= await refuseSecrets(
      {
        scanner: this.#scanner,
        journal: this.#settings.journal,
        workspaceDir: this.#settings.workspaceDir,
        defaultBranch: () => this.#settings.forge.defaultBranch(),
      },
      call,
      resolved,
    );
    if (refusal !== undefined) {
      return await this.#report(call, {
        status: 'denied',
        action: call.action,
        key,
        by: 'rule',
        reasons: [refusal],
        policyIds: [GATEWAY_RULE_ID],
      });
    }
    const recorded = await this.#settings.actions.get(key);
    if (recorded?.status === 'succeeded') {
      return { status: 'done', action: call.action, key, result: recorded.result, replayed: true };
    }

    const decision = await this.#decide(call, resolved);
    if (decision.decision === 'deny') {
      return await this.#report(call, {
        status: 'denied',
        action: call.action,
        key,
        by: 'policy',
        ...reasonsOf(decision),
      });
    }
    if (decision.decision === 'ask') {
      const approval = await this.#settings.approvals.requestAction(
        call.taskId,
        call.action,
        resolved,
        decision,
      );
      if (approval.status === 'pending') {
        return await this.#report(call, {
          status: 'awaiting_approval',
          action: call.action,
          key,
          approvalId: approval.approvalId,
          ...reasonsOf(decision),
        });
      }
      if (approval.status === 'denied') {
        return await this.#report(call, {
          status: 'denied',
          action: call.action,
          key,
          by: 'human',
          reasons: [`${approval.by} denied it: ${approval.reason}`],
          policyIds: decision.policyIds,
        });
      }
    }
    return await this.#run(call, key, resolved);
  }

  /** Fills in what the parameters leave open (the commit of a push), so the key names the exact effect. */
  async #resolve(action: ActionName, parameters: unknown): Promise<unknown> {
    if (action !== 'forge.push') return parameters;
    const push = parameters as ActionParameters['forge.push'];
    if (push.commit !== undefined) return push;
    const workspace = this.#settings.workspaceDir;
    if (workspace === undefined) throw new UserError('action-invalid', 'no workspace to push from');
    try {
      const { stdout } = await runGit(['rev-parse', '--verify', `refs/heads/${push.branch}^{commit}`], {
        cwd: workspace,
      });
      return { ...push, commit: stdout.trim() };
    } catch {
      throw new UserError('action-invalid', `the workspace has no branch ${push.branch} to push`);
    }
  }

  async #fixedRules(action: ActionName, parameters: unknown): Promise<string | undefined> {
    if (action === 'forge.push') {
      const push = parameters as ActionParameters['forge.push'];
      if (!this.#settings.forge.pushBranch)
        throw new UnsupportedError(`pushing to ${this.#settings.forge.kind}`);
      // Fails closed: a forge that cannot say which branches it protects gets no push.
      return refusePush({
        branch: push.branch,
        force: push.force === true,
        defaultBranch: await this.#settings.forge.defaultBranch(),
        protectedBranches: await this.#settings.forge.protectedBranches(),
      });
    }
    if (action === 'deploy' && !this.#settings.deploy) return 'no deploy target is configured';
    return undefined;
  }

  async #decide(call: ActionCall, parameters: unknown): Promise<Decision> {
    let decision: Decision;
    const request = describeRequest(this.#settings.forge.repository, call, parameters);
    try {
      if (request.resource.branch !== undefined) {
        const { forge } = this.#settings;
        const defaultBranch = await forge.defaultBranch();
        request.context.defaultBranch = request.resource.branch === defaultBranch;
        const branch = request.resource.branch;
        request.context.protectedBranch = (await forge.protectedBranches()).some((pattern) =>
          matchesBranchPattern(pattern, branch),
        );
      }
      // What the task read decides too: a task tainted by untrusted content asks before it sends.
      const journal = this.#settings.journal;
      if (journal !== undefined) request.context.taint = taintFacts(await journal.events(call.taskId));
      decision = await this.#settings.decider.decideAction(request);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      decision = { decision: 'deny', reasons: [`policy could not decide: ${why}`], policyIds: [] };
    }
    if (call.action === 'deploy' && decision.decision !== 'deny') {
      decision = {
        ...decision,
        decision: 'ask',
        reasons: [...decision.reasons, 'a deploy always needs a human approval'],
        policyIds: [...decision.policyIds, DEPLOY_APPROVAL_RULE_ID],
      };
    }
    // Journaled like a tool call's decision (with the request, so a backtest can decide it again).
    const journal = this.#settings.journal;
    if (journal) {
      await journal.append(
        call.taskId,
        'decision',
        this.#settings.broker.redactValue({ tool: call.action, action: call.action, request, ...decision }),
      );
    }
    return decision;
  }

  async #run(call: ActionCall, key: string, parameters: unknown): Promise<ActionOutcome> {
    const { actions, broker } = this.#settings;
    const existing = await actions.claim({ key, taskId: call.taskId, action: call.action, parameters });
    if (existing?.status === 'succeeded') {
      return { status: 'done', action: call.action, key, result: existing.result, replayed: true };
    }
    if (existing) {
      // Started before and never finished (its process died): the forge says whether it happened.
      const found = await this.#foundOnForge(call.action, parameters);
      if (found === undefined) throw inDoubt(call.action, key);
      if (found.done) {
        const result = broker.redactValue(found.result);
        await actions.complete(key, { result });
        return await this.#report(call, { status: 'done', action: call.action, key, result, replayed: true });
      }
    }
    let result: unknown;
    try {
      result = broker.redactValue(await this.#perform(call, parameters));
    } catch (error) {
      const message = broker.redact(error instanceof Error ? error.message : String(error));
      await actions.complete(key, { error: message });
      await this.#journal(call.taskId, { action: call.action, key, status: 'failed', error: message });
      // The original error is not kept as the cause: it may carry a secret.
      if (error instanceof WardenError) {
        const Kind = error instanceof UserError ? UserError : SystemError;
        throw new Kind(error.code, message, { isRetryable: error.isRetryable });
      }
      throw new SystemError('forge-failed', `${call.action} failed: ${message}`);
    }
    await actions.complete(key, { result });
    return await this.#report(call, { status: 'done', action: call.action, key, result, replayed: false });
  }

  /**
   * Whether an action left in flight happened, as the forge tells: a pull request from the branch is
   * open (found, not opened again); a push is safe to repeat (the same commit to the same branch).
   * `undefined` when the forge cannot tell (a comment, a review, a deploy): the action stays in doubt.
   */
  async #foundOnForge(
    action: ActionName,
    parameters: unknown,
  ): Promise<{ done: true; result: unknown } | { done: false } | undefined> {
    if (action === 'forge.push') return { done: false };
    if (action !== 'forge.open_pr') return undefined;
    const { head } = parameters as ActionParameters['forge.open_pr'];
    const open = (await this.#settings.forge.openPullRequests()).find((pull) => pull.head === head);
    return open ? { done: true, result: open } : { done: false };
  }

  async #perform(call: ActionCall, parameters: unknown): Promise<unknown> {
    const { forge } = this.#settings;
    switch (call.action) {
      case 'forge.push': {
        const push = parameters as Required<Pick<ActionParameters['forge.push'], 'branch' | 'commit'>>;
        return await forge.pushBranch!({ sourceDir: this.#settings.workspaceDir!, ...push });
      }
      case 'forge.open_pr': {
        const { labels, ...open } = parameters as ActionParameters['forge.open_pr'];
        const pull = await forge.openPullRequest({
          ...open,
          base: open.base ?? (await forge.defaultBranch()),
        });
        if (!labels?.length || !forge.addLabels) return pull;
        // The pull request exists either way: labels it could not get are said, not a failed action.
        try {
          return { ...pull, labels: await forge.addLabels(pull.number, labels) };
        } catch (error) {
          return { ...pull, labels: [], labelsError: describeError(error) };
        }
      }
      case 'forge.update_pr': {
        const { number, ...update } = parameters as ActionParameters['forge.update_pr'];
        return await forge.updatePullRequest(number, update);
      }
      case 'forge.comment': {
        const comment = parameters as ActionParameters['forge.comment'];
        return await forge.comment(comment.number, comment.body);
      }
      case 'forge.review': {
        const { number, ...review } = parameters as ActionParameters['forge.review'];
        return await forge.review(number, review);
      }
      case 'forge.request_review': {
        const review = parameters as ActionParameters['forge.request_review'];
        return await forge.requestReview(review.number, review.reviewers);
      }
      case 'deploy': {
        const deploy = parameters as ActionParameters['deploy'];
        return await runDeploy(this.#settings.deploy!, { taskId: call.taskId, ...deploy });
      }
    }
  }

  async #report(call: ActionCall, outcome: ActionOutcome): Promise<ActionOutcome> {
    await this.#journal(call.taskId, { ...outcome });
    return outcome;
  }

  async #journal(taskId: string, fields: ActionResultFields): Promise<void> {
    const journal = this.#settings.journal;
    if (journal) await journal.append(taskId, 'action-result', this.#settings.broker.redactValue(fields));
  }
}

function parseParameters(action: ActionName, parameters: unknown): unknown {
  const schema = ACTION_PARAMETER_SCHEMAS[action];
  if (!schema) throw new UserError('action-invalid', `unknown action ${JSON.stringify(action)}`);
  const parsed = schema.safeParse(parameters);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(parameters)'}: ${issue.message}`,
    );
    throw new UserError('action-invalid', `${action}: ${issues.join('; ')}`);
  }
  return parsed.data;
}

function describeRequest(repository: string, call: ActionCall, parameters: unknown): ActionDecisionRequest {
  const fields = parameters as Record<string, unknown>;
  const resource: ActionDecisionRequest['resource'] = { repository };
  if (typeof fields.branch === 'string') resource.branch = fields.branch;
  if (typeof fields.head === 'string') resource.branch = fields.head;
  if (typeof fields.number === 'number') resource.pullRequest = fields.number;
  if (typeof fields.environment === 'string') resource.environment = fields.environment;
  return {
    action: call.action,
    resource,
    context: { taskId: call.taskId, parameters, force: fields.force === true },
  };
}

function reasonsOf(decision: Decision): { reasons: string[]; policyIds: string[] } {
  return { reasons: decision.reasons, policyIds: decision.policyIds };
}

function inDoubt(action: ActionName, key: string): SystemError {
  return new SystemError(
    'action-in-doubt',
    `${action} (key ${key.slice(0, 12)}) started earlier and never finished; it may or may not have happened`,
    { hint: 'check the forge by hand, then record the outcome or retry the task' },
  );
}

/** Builds a gateway; no I/O happens until an action is executed. */
export function createActionGateway(settings: ActionGatewaySettings): ActionGateway {
  return new ActionGateway(settings);
}
