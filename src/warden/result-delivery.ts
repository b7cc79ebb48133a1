import { ApprovalInbox, type ResultDelivery } from '../actions/index.ts';
import { CredentialBroker } from '../credentials/index.ts';
import { createForge, fetchGitHubCheckout, GitHubForge, gitUrlOf, readGitHubApp } from '../forge/index.ts';
import { createSecretScanner } from '../guard/index.ts';
import { asActionDecider, createCedarPolicyEngine } from '../policy/index.ts';
import { UserError } from '../spec/errors.ts';
import type { Forge } from '../spec/forge.ts';
import type { SharedParts } from './task-runtime.ts';

/** How long an actor's write access, as GitHub said it, is trusted before asking again. */
const WRITE_ACCESS_TTL_MS = 60_000;

/** What a repository's deliveries go through, and what the triggers ask of its forge. */
export interface Deliveries {
  /**
   * What delivers a task of the local checkout `checkout`: to the GitHub repository `forgeRepository`
   * (owner/name, a triggered task's) as the App of `forge.github`, or to the configured forge.
   */
  to(checkout: string, forgeRepository?: string): ResultDelivery;
  /**
   * Whether `login` has write access to the GitHub repository (owner/name), cached for a minute.
   *
   * @throws UserError `config-invalid` when the forge is not GitHub; SystemError `forge-failed` when
   *   GitHub cannot say.
   */
  writeAccess(forgeRepository: string, login: string): Promise<{ allowed: boolean; permission: string }>;
  /** How many of the GitHub repository's open pull requests are Warden's (their head is `warden/…`). */
  openWardenPulls(forgeRepository: string): Promise<number>;
  /** The unified diff of a pull request of the GitHub repository. */
  pullDiff(forgeRepository: string, number: number): Promise<string>;
  /** The logs of the failed jobs of a workflow run of the GitHub repository. */
  failedJobLogs(forgeRepository: string, runId: number): Promise<Array<{ job: string; log: string }>>;
  /**
   * Fetches `ref` of the GitHub repository into Warden's checkout `dir` as `into`, with an installation
   * token that may read its contents; returns the commit.
   */
  fetchCheckout(forgeRepository: string, dir: string, ref: string, into: string): Promise<string>;
}

/**
 * What delivers results to the configured forge (`forge.kind`), built once: the credential broker with
 * the GitHub App, the forges (one per GitHub repository a trigger names, all as the one App), the
 * action store and an approval inbox that redacts what it journals; the policy engine is made per task,
 * on its checkout, from the Warden's one bundle. `null` without a forge.
 *
 * @throws UserError `config-invalid` when the GitHub App key cannot be read.
 */
export function createResultDelivery(parts: SharedParts): Deliveries | null {
  const { config, journal } = parts;
  if (config.forge.kind === 'none') return null;
  const github = config.forge.github;
  const broker = new CredentialBroker({ github: readGitHubApp(github) });
  const actions = parts.stores.actions;
  const tokenFor = (name: string) => async (permissions: Readonly<Record<string, 'read' | 'write'>>) =>
    (await broker.githubToken({ repository: name, permissions })).token;
  const configured = createForge(config.forge, {
    pullRequests: actions,
    githubToken: tokenFor(github?.repo ?? ''),
  })!;
  const githubForges = new Map<string, GitHubForge>();
  const githubForge = (fullName: string): GitHubForge => {
    if (config.forge.kind !== 'github' || !github) {
      throw new UserError(
        'config-invalid',
        `${fullName} is a GitHub repository, and forge.kind is ${config.forge.kind}: set forge.kind: github with forge.github (the App)`,
      );
    }
    let forge = githubForges.get(fullName);
    if (!forge) {
      const [owner, name] = fullName.split('/') as [string, string];
      forge = new GitHubForge({ owner, name, baseUrl: github.apiUrl, token: tokenFor(name) });
      githubForges.set(fullName, forge);
    }
    return forge;
  };
  const approvals = new ApprovalInbox({
    store: parts.stores.approvals({ ttlMs: config.policy.approvalTtlHours * 3_600_000 }),
    journal,
    redact: (text) => broker.redact(text),
  });
  const access = new Map<string, { at: number; answer: { allowed: boolean; permission: string } }>();
  const secretScanner = createSecretScanner({ salt: parts.secretSalt, allow: config.agent.secretAllow });
  return {
    to(checkout, forgeRepository) {
      const forge: Forge =
        forgeRepository !== undefined && config.forge.kind === 'github'
          ? githubForge(forgeRepository)
          : configured;
      return {
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
            workspace: { hostDir: checkout, protectedPaths: config.sandbox.protectedPaths },
            unparsable: config.policy.unparsable,
          }),
        ),
        actions,
        approvals,
        journal,
        reviewers: config.forge.reviewers,
        labels: config.forge.labels,
        secretScanner,
      };
    },
    async writeAccess(forgeRepository, login) {
      const key = `${forgeRepository}\u0000${login}`;
      const cached = access.get(key);
      if (cached && Date.now() - cached.at < WRITE_ACCESS_TTL_MS) return cached.answer;
      const answer = await githubForge(forgeRepository).writeAccess(login);
      access.set(key, { at: Date.now(), answer });
      return answer;
    },
    pullDiff: (forgeRepository, number) => githubForge(forgeRepository).pullDiff(number),
    failedJobLogs: (forgeRepository, runId) => githubForge(forgeRepository).failedJobLogs(runId),
    async fetchCheckout(forgeRepository, dir, ref, into) {
      githubForge(forgeRepository);
      const name = forgeRepository.split('/')[1]!;
      const token = await tokenFor(name)({ contents: 'read' });
      return await fetchGitHubCheckout({
        dir,
        gitUrl: gitUrlOf(github!),
        repository: forgeRepository,
        token,
        ref,
        into,
      });
    },
    async openWardenPulls(forgeRepository) {
      const pulls = await githubForge(forgeRepository).openPullRequests();
      return pulls.filter((pull) => pull.head.startsWith('warden/')).length;
    },
  };
}
