import { ApprovalInbox, type ResultDelivery } from '../actions/index.ts';
import { CredentialBroker } from '../credentials/index.ts';
import { createForge, readGitHubApp } from '../forge/index.ts';
import { asActionDecider, createCedarPolicyEngine } from '../policy/index.ts';
import { SqliteActionStore, SqliteApprovalStore } from '../store/index.ts';
import type { SharedParts } from './task-runtime.ts';

/**
 * What delivers results to the configured forge (`forge.kind`), built once: the credential broker with
 * the GitHub App, the forge, the action store and an approval inbox that redacts what it journals; the
 * policy engine is made per task, on its repository, from the Warden's one bundle. `null` without a forge.
 *
 * @throws UserError `config-invalid` when the GitHub App key cannot be read.
 */
export function createResultDelivery(parts: SharedParts): ((repository: string) => ResultDelivery) | null {
  const { config, store, journal } = parts;
  if (config.forge.kind === 'none') return null;
  const broker = new CredentialBroker({ github: readGitHubApp(config.forge.github) });
  const actions = new SqliteActionStore(store.database);
  const repo = config.forge.github?.repo ?? '';
  const forge = createForge(config.forge, {
    pullRequests: actions,
    githubToken: async (permissions) => (await broker.githubToken({ repository: repo, permissions })).token,
  })!;
  const approvals = new ApprovalInbox({
    store: new SqliteApprovalStore(store.database, { ttlMs: config.policy.approvalTtlHours * 3_600_000 }),
    journal,
    redact: (text) => broker.redact(text),
  });
  return (repository) => ({
    forge,
    broker,
    decider: asActionDecider(
      createCedarPolicyEngine({
        bundle: parts.bundle(),
        principal: {
          agent: config.agent.name,
          team: config.agent.team,
          trustTier: config.agent.trustTier,
        },
        workspace: { hostDir: repository, protectedPaths: config.sandbox.protectedPaths },
        unparsable: config.policy.unparsable,
      }),
    ),
    actions,
    approvals,
    journal,
    reviewers: config.forge.reviewers,
  });
}
