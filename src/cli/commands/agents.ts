import { UserError } from '../../spec/errors.ts';
import { type AgentSummary, checkAgents, listAgents } from '../../warden/index.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { openWarden } from './run.ts';

export const AGENTS_HELP = `warden agents [--json]
warden agents check

Lists the agents the config declares: the default one (agent:) and each named one (agents: in the
config, or agents/NAME.yaml beside it), with its team, trust tier, pattern (single or pipeline),
model, check, stages (a pipeline) or planner and worker (an orchestrator). \`warden run --agent NAME\` runs one.

\`warden agents check\` validates every definition: the config's own errors name the field
(agents.fix.stages.1.run: ...); it also checks each model spec. Exit 0 when all are valid, 2 otherwise.
`;

export async function agentsCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('agents', argv, {}, 1);
  if (values.help) {
    io.out(AGENTS_HELP);
    return EXIT.ok;
  }
  const [action] = positionals;
  if (action !== undefined && action !== 'check') {
    throw new UserError('usage', `warden agents: unknown arguments ${positionals.join(' ')}`, {
      hint: 'see `warden agents --help`',
    });
  }
  // Opening the Warden loads the config: a definition that does not validate fails here, naming its field.
  const warden = await openWarden(values, io);
  try {
    const agents = listAgents(warden.config);
    if (action === 'check') {
      const problems = checkAgents(warden.config);
      if (values.json)
        io.out(`${JSON.stringify({ valid: problems.length === 0, agents: agents.length, problems })}\n`);
      else if (problems.length === 0)
        io.out(`${agents.length} agent${agents.length === 1 ? '' : 's'}: all valid\n`);
      else io.err(`${problems.map((problem) => `  ${problem}`).join('\n')}\n`);
      return problems.length === 0 ? EXIT.ok : EXIT.usage;
    }
    io.out(values.json ? `${JSON.stringify({ agents })}\n` : agents.map(describeAgent).join('\n'));
    return EXIT.ok;
  } finally {
    await warden.close();
  }
}

function describeAgent(agent: AgentSummary): string {
  const lines = [
    `${agent.name}  (${agent.declaredIn})  ${agent.pattern}, team ${agent.team}, trust tier ${agent.trustTier}`,
    `  model ${agent.model}   check ${agent.check ?? 'none'}   tools ${agent.tools === 'all' ? 'all' : agent.tools.join(', ')}`,
  ];
  for (const [index, stage] of agent.stages.entries()) {
    const how =
      stage.kind === 'command'
        ? `runs \`${stage.does}\``
        : `${stage.tier ? `tier ${stage.tier}, ` : ''}${stage.model ? `model ${stage.model}, ` : ''}check ${stage.check === undefined ? 'default' : (stage.check ?? 'none')}`;
    lines.push(`  ${index + 1}. ${stage.name}: ${how}`);
  }
  if (agent.maxParallel !== null) lines.push(`  subtasks: at most ${agent.maxParallel} at once`);
  for (const role of agent.roles) {
    const how = [
      role.tier && `tier ${role.tier}`,
      role.model && `model ${role.model}`,
      `tools ${role.tools === 'default' ? 'default' : role.tools.join(', ')}`,
      role.maxSteps !== null && `at most ${role.maxSteps} steps`,
    ].filter(Boolean);
    lines.push(`  ${role.name}: ${how.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
