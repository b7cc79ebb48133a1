import { UserError } from '../../spec/errors.ts';
import type { CostGrouping } from '../../warden/index.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { openWarden } from './run.ts';

export const COST_HELP = `warden cost [--by agent|model|team|day] [--since DURATION] [--json]

Spend, tasks, successes and cost per successful outcome (a success is a task whose check passed; a task
no check verified is counted as unverified, not as a success); cache hit ratio; share of calls per tier; what
the same calls would have cost all on the top tier; unit economics against economics.valuePerSuccessUsd.
DURATION is a number and a unit: 30m, 12h, 7d (default: everything). With --json prints one object with
spendUsd, tasks, succeeded, unverified, costPerSuccessUsd, topTierCounterfactualUsd (and groups with --by).
`;

const GROUPINGS = ['agent', 'model', 'team', 'day'] as const;

export async function costCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('cost', argv, { by: { type: 'string' }, since: { type: 'string' } });
  if (values.help) {
    io.out(COST_HELP);
    return EXIT.ok;
  }
  const by = values.by as CostGrouping | undefined;
  if (by !== undefined && !GROUPINGS.includes(by)) {
    throw new UserError(
      'usage',
      `--by must be one of ${GROUPINGS.join(', ')}, got ${JSON.stringify(values.by)}`,
    );
  }
  const sinceMs = values.since === undefined ? undefined : parseDuration(values.since);
  const warden = await openWarden(values, io);
  try {
    const report = await warden.costReport({ by, sinceMs });
    if (values.json) {
      io.out(`${JSON.stringify(report)}\n`);
      return EXIT.ok;
    }
    const money = (value: number | null) => (value === null ? '-' : `$${value.toFixed(4)}`);
    const ratio = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(1)}%`);
    io.out(
      `period            ${report.since ? `since ${report.since}` : 'everything'} (${report.days} day(s))\n`,
    );
    io.out(`spend             ${money(report.spendUsd)} over ${report.calls} model calls\n`);
    io.out(
      `tasks             ${report.tasks} (${report.succeeded} succeeded, ${report.unverified} unverified; early exits: ${report.earlyExits.alreadyDone} already done, ${report.earlyExits.notActionable} not actionable)\n`,
    );
    io.out(`cost per success  ${money(report.costPerSuccessUsd)}\n`);
    io.out(`all on top tier   ${money(report.topTierCounterfactualUsd)}\n`);
    io.out(`cache hit ratio   ${ratio(report.cacheHitRatio)}\n`);
    io.out(
      `calls per tier    ${
        Object.entries(report.tierShare)
          .map(([tier, share]) => `${tier} ${ratio(share)}`)
          .join(', ') || '-'
      }\n`,
    );
    io.out(
      `net value         ${money(report.economics.netValueUsd)} (${money(report.economics.netValuePerDayUsd)}/day at ${money(report.economics.valuePerSuccessUsd)} per success; payback ${report.economics.paybackDays === null ? 'never' : `${report.economics.paybackDays.toFixed(1)} days`})\n`,
    );
    for (const group of report.groups ?? []) {
      io.out(
        `  ${group.key.padEnd(28)} ${money(group.spendUsd)}  ${group.tasks} tasks  ${group.succeeded} ok  ${group.unverified} unverified  per success ${money(group.costPerSuccessUsd)}  cache ${ratio(group.cacheHitRatio)}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await warden.close();
  }
}

/**
 * Milliseconds in `30m`, `12h`, `7d` or `2w`.
 *
 * @throws UserError `usage` for anything else.
 */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([mhdw])$/.exec(text.trim());
  if (!match)
    throw new UserError(
      'usage',
      `--since must be a duration such as 30m, 12h, 7d or 2w, got ${JSON.stringify(text)}`,
    );
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2] as 'm' | 'h' | 'd' | 'w'];
  return Number(match[1]) * unit;
}
