import type { AgentDefinition, Config } from '../config/index.ts';
import { UserError } from '../spec/errors.ts';

/** The name of the agent `agent:` in the config declares: what runs without `--agent`. */
export const DEFAULT_AGENT = 'default';

/** An agent as a run uses it: the config its task runs under, and its shape. */
export interface ResolvedAgent {
  /** The config with `agent`, `budget` and `model` those of the agent. */
  config: Config;
  /** `single` for the default agent. */
  pattern: AgentDefinition['pattern'];
  /** Instructions added to the system prompt; undefined: none. */
  prompt: string | undefined;
  /** The tools the agent may call; undefined: all. */
  tools: AgentDefinition['tools'];
  /** A pipeline's stages, in order; undefined for a single loop. */
  stages: AgentDefinition['stages'];
  /** An orchestrator's planner and worker (each `{}` when not declared) and how many subtasks run at once. */
  orchestrator?:
    | {
        planner: NonNullable<AgentDefinition['planner']>;
        worker: NonNullable<AgentDefinition['worker']>;
        maxParallel: number;
      }
    | undefined;
  /** A swarm's roles and deadlock bound. */
  swarm?: { roles: NonNullable<AgentDefinition['roles']>; stallSteps: number } | undefined;
}

/**
 * The agent named `name` (`agents.NAME` or `agents/NAME.yaml`), or the one `agent:` declares when
 * `name` is undefined, `default` or `agent.name` (and no agent is declared under that name). A named agent replaces
 * `agent:` for its tasks: its fields default as `agent:`'s do, not to `agent:`'s values; its `budget`
 * fields replace `budget`'s, and its `model` replaces `model`.
 *
 * @throws UserError `agent-not-found` naming the agents there are.
 */
export function resolveAgent(config: Config, name: string | undefined): ResolvedAgent {
  const declared = name === undefined ? undefined : config.agents[name];
  if (!declared) {
    if (name === undefined || name === DEFAULT_AGENT || name === config.agent.name) {
      return { config, pattern: 'single', prompt: undefined, tools: undefined, stages: undefined };
    }
    const known = [config.agent.name, ...Object.keys(config.agents)].join(', ');
    throw new UserError('agent-not-found', `no agent is named ${name}`, {
      hint: `the agents are: ${known} (\`warden agents\` lists them)`,
    });
  }
  const {
    pattern,
    prompt,
    tools,
    model,
    budget,
    stages,
    planner,
    worker,
    maxParallel,
    roles,
    stallSteps,
    name: _name,
    ...agent
  } = declared;
  return {
    config: {
      ...config,
      model: model ?? config.model,
      budget: { ...config.budget, ...budget },
      agent: { ...agent, name: name! },
    },
    pattern,
    prompt,
    tools,
    stages,
    orchestrator:
      pattern === 'orchestrator'
        ? { planner: planner ?? {}, worker: worker ?? {}, maxParallel: maxParallel ?? 4 }
        : undefined,
    swarm: roles && { roles, stallSteps: stallSteps ?? 12 },
  };
}
