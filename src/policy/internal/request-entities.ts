import type { PolicyResource } from '../../spec/policy.ts';
import { entityKey, type PolicyBundle } from '../load-policy-bundle.ts';
import type { EntityJson } from './cedar.ts';

const NAMESPACE = 'Warden';

/** The agent a request is about, as Cedar's `principal` entity, with its team as parent. */
export function principalEntities(principal: {
  agent: string;
  team: string;
  trustTier: number;
}): EntityJson[] {
  return [
    {
      uid: { type: `${NAMESPACE}::Agent`, id: principal.agent },
      attrs: { name: principal.agent, team: principal.team, trustTier: principal.trustTier },
      parents: [{ type: `${NAMESPACE}::Team`, id: principal.team }],
    },
  ];
}

/** The resource entity and its ancestors from the bundle: only what the request needs. */
export function resourceEntities(bundle: PolicyBundle, resource: PolicyResource): EntityJson[] {
  const found: EntityJson[] = [];
  const queue = [entityKey(`${NAMESPACE}::${resource.type}`, resource.id)];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const key = queue.shift() as string;
    if (seen.has(key)) continue;
    seen.add(key);
    const entity = bundle.entities.get(key);
    if (!entity) continue;
    found.push(entity);
    for (const parent of entity.parents) {
      if ('type' in parent) queue.push(entityKey(parent.type, parent.id));
    }
  }
  return found;
}
