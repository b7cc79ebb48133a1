export type { ActionCall, ActionGatewaySettings, ActionOutcome } from './action-gateway.ts';
export {
  ActionGateway,
  createActionGateway,
  DEPLOY_APPROVAL_RULE_ID,
  GATEWAY_RULE_ID,
} from './action-gateway.ts';
export type { ActionParameters } from './action-parameters.ts';
export { ACTION_PARAMETER_SCHEMAS } from './action-parameters.ts';
export type { ApprovalInboxSettings } from './approval-inbox.ts';
export { ApprovalInbox } from './approval-inbox.ts';
export type { RedactText } from './approval-journal.ts';
export { journalApprovalDecision, journalApprovalRequest } from './approval-journal.ts';
export { refusePush, WARDEN_BRANCH_PREFIX } from './branch-rules.ts';
export type { Delivery, DeliveryRequest } from './deliver-branch.ts';
export { deliverBranch } from './deliver-branch.ts';
export type { ResultDelivery } from './deliver-result.ts';
export {
  commentBody,
  deliverResult,
  deliverTaskComment,
  pullRequestBody,
  pullRequestTitle,
} from './deliver-result.ts';
export type { DeployRequest, DeployResult, DeployTarget } from './deploy-target.ts';
export { runDeploy } from './deploy-target.ts';
export { actionIdempotencyKey } from './idempotency-key.ts';
