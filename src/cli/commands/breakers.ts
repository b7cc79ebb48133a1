import { UserError } from '../../spec/errors.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { openWarden } from './run.ts';

export const BREAKERS_HELP = `warden breakers [--json]
warden breakers reset [SCOPE]

Shows the circuit breakers (spend, tool-errors, provider, loop): scope, state (closed, open,
half-open), why, and when an open one closes by itself. With --json prints an array of objects with
scope, kind, state, reason, openedAt, closesAt, trips and probeUntil. \`reset\` closes every open
breaker, or only those of SCOPE (task:ID, agent:NAME, team:NAME, fleet, model:KEY, e.g.
model:anthropic:claude-opus-4-7), and forgets what they had counted. A task stopped by a breaker
names the scope to reset.
`;

export async function breakersCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('breakers', argv, {}, 2);
  if (values.help) {
    io.out(BREAKERS_HELP);
    return EXIT.ok;
  }
  const [action, scope] = positionals;
  if (action !== undefined && action !== 'reset') {
    throw new UserError('usage', `warden breakers: unknown action ${JSON.stringify(action)}`, {
      hint: 'use `warden breakers reset [SCOPE]`',
    });
  }
  const warden = await openWarden(values, io);
  try {
    if (action === 'reset') {
      const closed = await warden.resetBreakers(scope);
      if (values.json) io.out(`${JSON.stringify(closed)}\n`);
      else
        io.err(
          closed.length === 0
            ? 'no open breaker to reset\n'
            : `closed ${closed.map((breaker) => `${breaker.kind} on ${breaker.scope}`).join(', ')}\n`,
        );
      return EXIT.ok;
    }
    const list = await warden.breakers();
    if (values.json) {
      io.out(`${JSON.stringify(list)}\n`);
    } else if (list.length === 0) {
      io.err('no breaker has ever opened\n');
    } else {
      for (const breaker of list) {
        io.out(
          `${breaker.state.padEnd(9)}  ${breaker.kind.padEnd(11)}  ${breaker.scope.padEnd(32)}  ${breaker.closesAt && breaker.state !== 'closed' ? `until ${breaker.closesAt}  ` : ''}${breaker.reason}\n`,
        );
      }
    }
    return EXIT.ok;
  } finally {
    await warden.close();
  }
}
