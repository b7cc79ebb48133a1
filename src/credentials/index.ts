export type {
  CredentialBrokerSettings,
  GitHubAppSettings,
  GitHubPermissions,
  GitHubToken,
} from './credential-broker.ts';
export { CredentialBroker, createCredentialBroker } from './credential-broker.ts';
export { REDACTED, Redactor } from './redactor.ts';
export type { TaskToken, TaskTokenClaims, TaskTokenExpectation } from './task-token.ts';
