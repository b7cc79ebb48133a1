import type { Config } from '../../config/index.ts';
import type { CostGrouping, ReportTask } from '../../guard/index.ts';
import { buildCostReport } from '../../guard/index.ts';
import { UserError } from '../../spec/errors.ts';
import type { SqliteStore } from '../../store/index.ts';
import { SqliteOutcomeStore, SqliteSpendStore } from '../../store/index.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { openWardenContext } from '../warden-context.ts';

export const COST_HELP = `warden cost [--by agent|model|team|day] [--since DURATION] [--json]

Spend, tasks, successes and cost per successful outcome (a success is a task whose check passed; a task
no check verified is counted as unverified, not as a success); cache hit ratio; share of calls per tier; what
the same calls would have cost all on the top tier; unit economics against economics.valuePerSuccessUsd.
DURATION is a number and a unit: 30m, 12h, 7d (default: everything). With --json prints one object with
spendUsd, tasks, succeeded, unverified, costPerSuccessUsd, topTierCounterfactualUsd (and groups with --by).
`;

const GROUPINGS = ['agent', 'model', 'team', 'day'] as const;

/**
 * The store and config a reporting command needs. Opening the data directory reaps tasks whose process
 * died first, as every command does, so a report never shows a dead task as running.
 */
export async function openReporting(
  values: { 'data-dir'?: string | undefined; config?: string | undefined },
  io: CommandIo,
): Promise<{ config: Config; store: SqliteStore }> {
  const context = await openWardenContext({
    dataDir: values['data-dir'],
    config: values.config,
    env: io.env,
  });
  return { config: context.config, store: context.store };
}

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
  const now = Date.now();
  const sinceMs = values.since === undefined ? undefined : parseDuration(values.since);
  const sinceAt = sinceMs === undefined ? undefined : new Date(now - sinceMs).toISOString();
  const { config, store } = await openReporting(values, io);
  try {
    const book = new SqliteSpendStore(store.database);
    // A row that cannot be read (written out of range by an older version) is left out, loudly.
    const entries = book.entries({ sinceAt }, (entry) =>
      io.err(
        `warning: spend entry ${entry.id} (task ${entry.taskId ?? '-'}, ${entry.day}) left out of the report: ${entry.reason}; run \`warden doctor\`\n`,
      ),
    );
    const outcomes = new Map(
      new SqliteOutcomeStore(store.database).list({ sinceAt }).map((outcome) => [outcome.taskId, outcome]),
    );
    const taskIds = new Set([
      ...entries.map((entry) => entry.taskId).filter((id) => id !== null),
      ...outcomes.keys(),
    ]);
    const tasks: ReportTask[] = [];
    for (const taskId of taskIds) {
      const outcome = outcomes.get(taskId);
      const first = entries.find((entry) => entry.taskId === taskId);
      const stored = outcome ? undefined : await store.getTask(taskId);
      tasks.push({
        taskId,
        outcome:
          outcome?.outcome ??
          (stored &&
          stored.status !== 'running' &&
          stored.status !== 'awaiting_approval' &&
          stored.status !== 'interrupted'
            ? stored.status
            : undefined),
        agent: outcome?.agent ?? first?.agent ?? null,
        team: outcome?.team ?? first?.team ?? null,
        earlyExit: outcome?.earlyExit ?? false,
        day: outcome?.day ?? first?.day ?? '',
      });
    }
    const firstAt = entries[0]?.at ?? [...outcomes.values()][0]?.at;
    const periodMs = sinceMs ?? (firstAt ? now - Date.parse(firstAt) : 0);
    const report = buildCostReport({
      entries,
      tasks,
      by,
      since: sinceAt ?? null,
      days: Math.max(1, Math.ceil(periodMs / 86_400_000)),
      valuePerSuccessUsd: config.economics.valuePerSuccessUsd,
      setupCostUsd: config.economics.setupCostUsd,
    });
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
    await store.close();
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
