import { ENV } from '../../spec/env.ts';
import { migrateStore } from '../../warden/index.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';

export const MIGRATE_HELP = `warden migrate [--db URL] [--data-dir DIR] [--json]

Brings the store to this Warden's schema: the data directory's SQLite file, or the database --db (or
WARDEN_DATABASE_URL) names, PostgreSQL for a fleet. Pending migrations run forward, each in its own
transaction (two runs at once apply each one once), and it says which ran. Every command also migrates
when it opens the store; run this before rolling a new version out to a fleet's workers. A database
migrated by a newer Warden is refused and left as it is.
`;

export async function migrateCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('migrate', argv, {});
  if (values.help) {
    io.out(MIGRATE_HELP);
    return EXIT.ok;
  }
  const report = await migrateStore({
    dataDir: values['data-dir'],
    database: values.db ?? (io.env[ENV.databaseUrl] || undefined),
    env: io.env,
  });
  if (values.json) {
    io.out(`${JSON.stringify(report)}\n`);
  } else if (report.applied.length === 0) {
    io.out(`${report.location}: schema ${report.version}, up to date\n`);
  } else {
    io.out(
      `${report.location}: applied migration(s) ${report.applied.join(', ')}; schema ${report.version}\n`,
    );
  }
  return EXIT.ok;
}
