import type { OutcomeCounts } from '../../warden/index.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { parseDuration } from './cost.ts';
import { openWarden } from './run.ts';

export const OUTCOMES_HELP = `warden outcomes [--since DURATION] [--json]

What became of the pull requests Warden opened, as the forge's webhooks told \`warden serve\`
(pull_request closed, pull_request_review, push): accepted first pass (merged with no change asked for
and no human commit on its branch), accepted after changes, rejected (closed unmerged), reverted (its
merge commit reverted on the default branch), still open. Prints the first-pass accept rate (over the
decided ones), time to merge and time from the task's start to the merge (p50, p90), overall and per
agent; and for alerts (POST /webhooks/alert), the time from the alert's firing to the investigator's
diagnosis, p50 and p90. DURATION: 30m, 12h, 7d (default: everything). --json prints the report with every pull request.
`;

export async function outcomesCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('outcomes', argv, { since: { type: 'string' } });
  if (values.help) {
    io.out(OUTCOMES_HELP);
    return EXIT.ok;
  }
  const since = values.since === undefined ? undefined : new Date(Date.now() - parseDuration(values.since));
  const warden = await openWarden(values, io);
  try {
    const report = await warden.outcomes({ since });
    if (values.json) {
      io.out(`${JSON.stringify(report)}\n`);
      return EXIT.ok;
    }
    io.out(`period     ${report.since ? `since ${report.since}` : 'everything'}\n`);
    io.out(`${line('all agents', report)}\n`);
    for (const group of report.byAgent) io.out(`${line(`  ${group.agent}`, group)}\n`);
    const { alerts } = report;
    const minutes = (value: number | null) => (value === null ? '-' : `${value.toFixed(1)} min`);
    io.out(
      `alerts     ${alerts.investigated} investigated, ${alerts.diagnosed} diagnosed; alert to diagnosis p50 ${minutes(alerts.timeToDiagnosisMinutes.p50)} p90 ${minutes(alerts.timeToDiagnosisMinutes.p90)}\n`,
    );
    return EXIT.ok;
  } finally {
    await warden.close();
  }
}

function line(label: string, counts: OutcomeCounts): string {
  const rate =
    counts.firstPassAcceptRate === null ? '-' : `${(counts.firstPassAcceptRate * 100).toFixed(1)}%`;
  const hours = (value: number | null) => (value === null ? '-' : `${value.toFixed(1)}h`);
  const { timeToMergeHours: merge, timeToResolutionHours: resolution } = counts;
  return [
    `${label.padEnd(20)} ${counts.pulls} PR(s): ${counts.acceptedFirstPass} first pass, ${counts.acceptedAfterChanges} after changes, ${counts.rejected} rejected, ${counts.reverted} reverted, ${counts.open} open`,
    `${''.padEnd(20)} first-pass accept rate ${rate}; time to merge p50 ${hours(merge.p50)} p90 ${hours(merge.p90)}; start to merge p50 ${hours(resolution.p50)} p90 ${hours(resolution.p90)}`,
  ].join('\n');
}
