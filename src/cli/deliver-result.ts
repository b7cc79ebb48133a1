import { readFileSync } from 'node:fs';
import { ActionGateway, ApprovalInbox, type Delivery, deliverBranch } from '../actions/index.ts';
import { CredentialBroker } from '../credentials/index.ts';
import { type Forge, GitHubForge, LocalForge } from '../forge/index.ts';
import {
  asActionDecider,
  createCedarPolicyEngine,
  defaultBundleDir,
  loadPolicyBundle,
} from '../policy/index.ts';
import { UserError } from '../spec/errors.ts';
import { taskTrailers } from '../spec/task-trailers.ts';
import type { Task } from '../spec/types.ts';
import { SqliteActionStore, SqliteApprovalStore } from '../store/index.ts';
import type { WardenContext } from './warden-context.ts';

/**
 * Delivers a succeeded task's branch as a pull request on the configured forge (`forge.kind`), through
 * the action gateway: the push and the pull request are checked by the gateway's fixed rules and the
 * policy bundle, run with a task token minted for them alone, journaled on the task, and recorded under
 * idempotency keys (delivering again repeats nothing). Returns `null` when there is nothing to deliver:
 * no forge configured, a task that did not succeed, or no branch.
 *
 * @throws UserError `config-invalid` when the GitHub App key cannot be read.
 */
export async function deliverResult(context: WardenContext, task: Task): Promise<Delivery | null> {
  const { config, store, journal } = context;
  if (config.forge.kind === 'none' || task.status !== 'succeeded' || task.branch === null) return null;
  const broker = new CredentialBroker({ github: githubApp(config.forge.github) });
  const actions = new SqliteActionStore(store.database);
  const forge = createForge(context, broker, actions);
  const bundle = loadPolicyBundle(config.policy.bundle ?? defaultBundleDir());
  const engine = createCedarPolicyEngine({
    bundle,
    principal: { agent: config.agent.name, team: config.agent.team, trustTier: config.agent.trustTier },
    workspace: { hostDir: task.repo, protectedPaths: config.sandbox.protectedPaths },
    unparsable: config.policy.unparsable,
  });
  const gateway = new ActionGateway({
    forge,
    decider: asActionDecider(engine),
    broker,
    actions,
    approvals: new ApprovalInbox({
      store: new SqliteApprovalStore(store.database, { ttlMs: config.policy.approvalTtlHours * 3_600_000 }),
      journal,
      redact: (text) => broker.redact(text),
    }),
    journal,
    // The result branch lives in the user's repository; pushes read it from there (never write it).
    workspaceDir: task.repo,
  });
  return await deliverBranch(
    { gateway, broker, repository: forge.repository },
    {
      taskId: task.id,
      branch: task.branch,
      title: pullRequestTitle(task.prompt),
      body: pullRequestBody(task),
      reviewers: config.forge.reviewers,
    },
  );
}

function createForge(context: WardenContext, broker: CredentialBroker, actions: SqliteActionStore): Forge {
  const { forge } = context.config;
  if (forge.kind === 'github' && forge.github) {
    const { owner, repo, apiUrl } = forge.github;
    return new GitHubForge({
      owner,
      name: repo,
      baseUrl: apiUrl,
      token: async (permissions) => (await broker.githubToken({ repository: repo, permissions })).token,
    });
  }
  // The config schema guarantees `remote` for kind `local`.
  return new LocalForge({
    bareRepository: forge.remote!,
    pullRequests: actions,
    protectedBranches: forge.protectedBranches,
  });
}

function githubApp(github: WardenContext['config']['forge']['github']) {
  if (!github) return undefined;
  let privateKey: string;
  try {
    privateKey = readFileSync(github.privateKeyFile, 'utf8');
  } catch (error) {
    throw new UserError(
      'config-invalid',
      `forge.github.privateKeyFile: cannot read ${github.privateKeyFile}: ${(error as Error).message}`,
    );
  }
  return { appId: github.appId, privateKey, installationId: github.installationId, baseUrl: github.apiUrl };
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
