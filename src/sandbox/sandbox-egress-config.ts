import type { Environment } from '../spec/env.ts';
import { UserError } from '../spec/errors.ts';
import type { EgressUpstream, SandboxEgress } from '../spec/sandbox.ts';
import { EGRESS_GROUPS, type EgressGroupName } from './egress-allow-list.ts';

/**
 * The `sandbox.egress` section of the config, as this module reads it. Declared here rather than taken
 * from `config/`, which imports this module's groups: the config's type fits it.
 */
export interface EgressConfig {
  allow: readonly string[];
  groups: readonly (EgressGroupName | { name: EgressGroupName; allowWrite: boolean })[];
  secrets: readonly { name: string; fromEnv: string; hosts: string[]; allowWrite: boolean }[];
  upstreams: readonly EgressUpstream[];
}

/**
 * The sandbox's egress from the config: the allow-list with its groups expanded, secrets with their
 * real values read from the host's environment (never from the config file), and the upstreams.
 * `undefined` when nothing is allowed: the sandbox then has no network at all.
 *
 * @throws UserError `config-invalid` naming the variable when a secret's host variable is not set.
 */
export function sandboxEgressOf(
  config: { sandbox: { egress: EgressConfig } },
  env: Environment,
): Omit<SandboxEgress, 'onConnection'> | undefined {
  const { allow, groups, secrets, upstreams } = config.sandbox.egress;
  const named = groups.map((group) =>
    typeof group === 'string' ? { name: group, allowWrite: false } : group,
  );
  const hosts = [...allow, ...named.flatMap((group) => EGRESS_GROUPS[group.name])];
  if (hosts.length === 0 && upstreams.length === 0) return undefined;
  // Registries reached through a group only read unless the group is granted writes.
  const readOnly = named.filter((group) => !group.allowWrite).flatMap((group) => EGRESS_GROUPS[group.name]);
  return {
    allow: hosts,
    readOnly,
    secrets: secrets.map((secret, index) => {
      const value = env[secret.fromEnv];
      if (!value) {
        throw new UserError(
          'config-invalid',
          `sandbox.egress.secrets.${index}.fromEnv: the variable ${secret.fromEnv} is not set`,
          { hint: `export ${secret.fromEnv} on the host, or remove the secret` },
        );
      }
      return { name: secret.name, value, hosts: secret.hosts, allowWrite: secret.allowWrite };
    }),
    upstreams: upstreams.map((upstream) => ({ ...upstream })),
  };
}
