import { ENV } from '../../spec/env.ts';
import { UserError } from '../../spec/errors.ts';
import { checkDataDir } from '../../warden/index.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';

export const DOCTOR_HELP = `warden doctor [--json]

Checks the data directory's store and prints what it found, each with a hint: spend windows and
booked calls whose amounts are out of range or negative (written by an older version from usage a
provider misreported), and reservations held past their time to live. It reads only; it repairs
nothing. It reads the embedded SQLite store only: with --db (a fleet's PostgreSQL) it refuses, saying so,
rather than report on the data directory instead. With --json prints {"healthy": bool, "checks": [{name, description, findings: [...]}]}.

Exit codes: 0 healthy, 1 problems found.
`;

export async function doctorCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('doctor', argv, {});
  if (values.help) {
    io.out(DOCTOR_HELP);
    return EXIT.ok;
  }
  // Its checks read the embedded store's tables: checking a data directory while a fleet was meant would
  // say "healthy" about the wrong database.
  if (values.db ?? io.env[ENV.databaseUrl]) {
    throw new UserError(
      'usage',
      'warden doctor checks the data directory’s SQLite store only; it has no checks for --db yet',
      {
        hint: `run it without --db (and without ${ENV.databaseUrl}) on a data directory`,
      },
    );
  }
  const results = await checkDataDir({ dataDir: values['data-dir'], env: io.env });
  const healthy = results.every((result) => result.findings.length === 0);
  if (values.json) {
    io.out(`${JSON.stringify({ healthy, checks: results })}\n`);
  } else {
    for (const result of results) {
      if (result.findings.length === 0) {
        io.out(`ok       ${result.name}: ${result.description}\n`);
        continue;
      }
      io.out(`PROBLEM  ${result.name}: ${result.findings.length} found\n`);
      for (const finding of result.findings) {
        io.out(`  ${finding.subject}: ${finding.problem}\n    hint: ${finding.hint}\n`);
      }
    }
  }
  return healthy ? EXIT.ok : EXIT.failed;
}
