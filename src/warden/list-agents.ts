import type { Config } from '../config/index.ts';
import { parseModelSpec } from '../model/index.ts';
import { describeError } from '../spec/errors.ts';
import { DEFAULT_AGENT, resolveAgent } from './agent-config.ts';

/** One declared agent as `warden agents` shows it. */
export interface AgentSummary {
  name: string;
  /** Where it is declared: `agent` (the default) or `agents.NAME`. */
  declaredIn: string;
  team: string;
  trustTier: number;
  pattern: string;
  /** Its model when --model is not given (`router:` tiers when the router is on). */
  model: string;
  check: string | null;
  tools: readonly string[] | 'all';
  stages: Array<{
    name: string;
    kind: 'command' | 'model';
    /** A command stage's command, or a model stage's instructions. */
    does: string;
    tier: string | null;
    model: string | null;
    check: string | null | undefined;
  }>;
  /** An orchestrator's planner and worker, or a swarm's roles; empty for the other patterns. */
  roles: Array<{
    name: string;
    tier: string | null;
    model: string | null;
    tools: readonly string[] | 'default';
    maxSteps: number | null;
  }>;
  /** An orchestrator's most subtasks at once; `null` for the other patterns. */
  maxParallel: number | null;
}

/** Every agent the config declares, the default first. */
export function listAgents(config: Config): AgentSummary[] {
  const names = [undefined, ...Object.keys(config.agents).filter((name) => name !== DEFAULT_AGENT)];
  return names.map((name) => {
    const agent = resolveAgent(config, name);
    const own = agent.config.agent;
    return {
      name: name ?? (Object.hasOwn(config.agents, DEFAULT_AGENT) ? DEFAULT_AGENT : own.name),
      declaredIn: name === undefined ? 'agent' : `agents.${name}`,
      team: own.team,
      trustTier: own.trustTier,
      pattern: agent.pattern,
      model: agent.config.router.enabled ? `router:${agent.config.router.defaultTier}` : agent.config.model,
      check: own.check,
      tools: agent.tools ?? 'all',
      stages: (agent.stages ?? []).map((stage) => ({
        name: stage.name,
        kind: stage.run !== undefined ? ('command' as const) : ('model' as const),
        does: stage.run ?? stage.prompt ?? '',
        tier: stage.tier ?? null,
        model: stage.model ?? null,
        check: stage.check,
      })),
      roles: agent.orchestrator
        ? (['planner', 'worker'] as const).map((role) => {
            const declared = agent.orchestrator![role];
            return {
              name: role,
              tier: declared.tier ?? null,
              model: declared.model ?? null,
              tools: declared.tools ?? 'default',
              maxSteps: declared.maxSteps ?? null,
            };
          })
        : (agent.swarm?.roles ?? []).map((role) => ({
            name: role.name,
            tier: role.tier ?? null,
            model: role.model ?? null,
            tools: role.tools ?? 'default',
            maxSteps: role.maxSteps ?? null,
          })),
      maxParallel: agent.orchestrator?.maxParallel ?? null,
    };
  });
}

/**
 * What is wrong with the declared agents beyond what loading the config already refused: a model spec
 * that does not parse. One line each, naming the field; empty when all is well.
 */
export function checkAgents(config: Config): string[] {
  const problems: string[] = [];
  const spec = (field: string, text: string | undefined) => {
    if (text === undefined) return;
    try {
      parseModelSpec(text);
    } catch (error) {
      problems.push(`${field}: ${describeError(error)}`);
    }
  };
  for (const [name, agent] of Object.entries(config.agents)) {
    spec(`agents.${name}.model`, agent.model);
    for (const [index, stage] of (agent.stages ?? []).entries())
      spec(`agents.${name}.stages.${index}.model`, stage.model);
    spec(`agents.${name}.planner.model`, agent.planner?.model);
    spec(`agents.${name}.worker.model`, agent.worker?.model);
    for (const [index, role] of (agent.roles ?? []).entries())
      spec(`agents.${name}.roles.${index}.model`, role.model);
  }
  return problems;
}
