import { UserError } from '../../spec/errors.ts';
import { copyStore } from '../../warden/index.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';

export const DB_HELP = `warden db copy --to postgres://USER@HOST/DATABASE [--from sqlite:PATH] [--data-dir DIR] [--json]

Moves an installation to PostgreSQL: copies every row of the SQLite store --from (default: the data
directory's warden.db) into the empty database --to (tasks, journals with their hash chains as they
are, spend ledger and reservations, breakers, approvals, actions, pull requests, batches, outcomes,
webhook deliveries, leases), in one transaction, then verifies every task's journal on the target
(and the signed checkpoints, when the source's data directory holds their key) and compares each
table's rows. A journal that does not verify fails the copy, naming the task, and the target is
emptied again. A target that already holds data is refused; nothing is merged or overwritten. Both
databases are brought to this Warden's schema first; a source written by a newer Warden is refused.
Stop the workers and servers of the installation while it is copied. With --json prints
{from, to, tables: [{name, rows}], tasks, journalsVerified, checkpointsChecked, broken, durationMs}.
`;

export async function dbCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'db',
    argv,
    { from: { type: 'string' }, to: { type: 'string' } },
    1,
  );
  if (values.help) {
    io.out(DB_HELP);
    return EXIT.ok;
  }
  const [action] = positionals;
  if (action !== 'copy') {
    throw new UserError(
      'usage',
      action === undefined
        ? 'warden db: which action? (copy)'
        : `warden db: unknown action ${JSON.stringify(action)}`,
      { hint: 'use `warden db copy --to postgres://USER@HOST/DATABASE [--from sqlite:PATH]`' },
    );
  }
  if (values.db !== undefined) {
    throw new UserError('usage', 'warden db copy: takes --from and --to, not --db', {
      hint: 'name the SQLite store with --from sqlite:PATH and the PostgreSQL database with --to postgres://…',
    });
  }
  if (values.to === undefined) {
    throw new UserError('usage', 'warden db copy: --to is required', {
      hint: 'give --to postgres://USER@HOST/DATABASE, an empty database (createdb NAME)',
    });
  }
  const report = await copyStore({
    from: values.from,
    to: values.to,
    dataDir: values['data-dir'],
    env: io.env,
    ...(io.interactive ? { onTable: ({ name, rows }) => io.err(`copied ${name}: ${rows}\n`) } : {}),
  });
  if (values.json) {
    io.out(`${JSON.stringify(report)}\n`);
    return EXIT.ok;
  }
  const width = Math.max(...report.tables.map((table) => table.name.length));
  for (const table of report.tables) io.out(`${table.name.padEnd(width)}  ${table.rows}\n`);
  io.out(
    `copied ${report.from} to ${report.to} in ${(report.durationMs / 1000).toFixed(1)} s: ` +
      `${report.tasks} task(s), ${report.journalsVerified} journal(s) verified on the target` +
      `${report.checkpointsChecked ? ' with their signed checkpoints' : ' (no checkpoint key beside the source: chains and task rows only)'}\n`,
  );
  return EXIT.ok;
}
