import type { ActionDecider, ActionDecisionRequest } from '../spec/actions.ts';
import { SystemError } from '../spec/errors.ts';
import type { ActionRequest, PolicyEngine } from '../spec/policy.ts';

/**
 * The policy engine as the action gateway asks it: turns the gateway's request (the action, what it
 * touches, the facts it derived) into a Cedar request whose context has exactly the fields the bundle
 * schema gives the action (`ForgeFacts`, `DeployFacts`). A forge request missing a fact the policies
 * rely on is not guessed at: the engine is not asked and the gateway denies (it denies on any error).
 */
export function asActionDecider(engine: Pick<PolicyEngine, 'decideAction'>): ActionDecider {
  return { decideAction: (request) => engine.decideAction(toPolicyRequest(request)) };
}

/** @throws SystemError `policy-invalid` when a fact the schema needs is missing. */
export function toPolicyRequest(request: ActionDecisionRequest): ActionRequest {
  const { repository, branch, environment } = request.resource;
  if (request.action === 'deploy') {
    return {
      action: request.action,
      resource: { type: 'Repository', id: repository },
      context: { repository, environment: environment ?? '', ...taintOf(request) },
    };
  }
  const facts = request.context;
  const flag = (name: string): boolean => {
    const value = facts[name];
    if (branch !== undefined && typeof value !== 'boolean') {
      throw new SystemError('policy-request-invalid', `the ${request.action} request lacks the fact ${name}`);
    }
    return value === true;
  };
  return {
    action: request.action,
    resource:
      request.action === 'forge.push' && branch
        ? { type: 'Branch', id: branch }
        : { type: 'Repository', id: repository },
    context: {
      repository,
      branch: branch ?? '',
      force: facts.force === true,
      defaultBranch: flag('defaultBranch'),
      protectedBranch: flag('protectedBranch'),
      ...taintOf(request),
    },
  };
}

/** The task's taint the gateway found in its journal, passed on as it is; nothing when it gave none. */
function taintOf(request: ActionDecisionRequest): { taint?: unknown } {
  return request.context.taint === undefined ? {} : { taint: request.context.taint };
}
