import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.ts';
import { resolveAgent } from './agent-config.ts';

const config = parseConfig(`
model: anthropic:claude-sonnet-4-6
budget: { maxUsd: 5, maxSteps: 30 }
agent: { name: coder, team: core, check: npm test }
agents:
  triage:
    team: support
    trustTier: 0
    model: anthropic:claude-haiku-4-5
    budget: { maxUsd: 0.5 }
    tools: [read_file, search]
`);

describe('resolveAgent', () => {
  it('runs a named agent under its own fields, budget and model, with the defaults of agent:', () => {
    const agent = resolveAgent(config, 'triage');
    expect(agent.config.agent).toMatchObject({
      name: 'triage',
      team: 'support',
      trustTier: 0,
      check: 'auto',
    });
    expect(agent.config.budget).toMatchObject({ maxUsd: 0.5, maxSteps: 30 });
    expect(agent.config.model).toBe('anthropic:claude-haiku-4-5');
    expect(agent).toMatchObject({ pattern: 'single', tools: ['read_file', 'search'] });
  });

  it('runs agent: without a name, as default or by its own name', () => {
    for (const name of [undefined, 'default', 'coder']) {
      expect(resolveAgent(config, name).config).toBe(config);
    }
  });

  it('refuses a name nothing declares, listing the agents there are', () => {
    expect(() => resolveAgent(config, 'fixer')).toThrow(
      expect.objectContaining({ code: 'agent-not-found', hint: expect.stringContaining('coder, triage') }),
    );
  });
});
