import { existsSync } from 'node:fs';
import path from 'node:path';
import { CHECKPOINT_KEY_FILE, Checkpoints, Journal, loadCheckpointKey } from '../journal/index.ts';
import type { Environment } from '../spec/env.ts';
import { SystemError, UserError, WardenError } from '../spec/errors.ts';
import type { Store } from '../spec/store.ts';
import { openSqliteStore } from '../store/index.ts';
import { resolveHome } from './data-dir.ts';

/** A journal that did not verify on the target. */
export interface BrokenJournal {
  taskId: string;
  /** The first event that does not hold (0: not an event's fault, e.g. the task row). */
  brokenAt: number;
  problem: string;
  /** Whether the source's journal of the task is broken the same way (it was copied as it was). */
  brokenInSource: boolean;
}

/** What `warden db copy` did. */
export interface StoreCopyReport {
  /** The SQLite file copied from. */
  from: string;
  /** The PostgreSQL URL copied into, without its password. */
  to: string;
  /** Every table copied, with its rows (the same count in both, checked). */
  tables: Array<{ name: string; rows: number }>;
  tasks: number;
  /** Journals re-verified on the target after the copy: every task's. */
  journalsVerified: number;
  /** Whether the signed checkpoints were checked too (the source's data directory holds their key). */
  checkpointsChecked: boolean;
  /** Journals that did not verify: always empty in a report, since the copy then fails (and is undone). */
  broken: BrokenJournal[];
  durationMs: number;
}

/**
 * Moves an installation: copies every row of the SQLite store `from` (`sqlite:PATH`; default the data
 * directory's `warden.db`) into the empty PostgreSQL database `to`, then verifies every task's journal
 * on the target (chain, task row and, when the key beside the source is there, signed checkpoints).
 * Both are brought to this Warden's schema first, as any command does when it opens them. The rows go in
 * one transaction on the target; a copy whose journals do not verify is taken back, so a failure leaves
 * the target empty. The source is only read.
 *
 * @param onTable called as each table is copied (progress).
 * @throws UserError `usage` for a `from` that is not an existing SQLite store, a `to` that is not a
 *   PostgreSQL URL, or a target that already holds data (nothing is written); SystemError
 *   `journal-corrupt` naming each task whose journal does not verify after the copy (the target is
 *   emptied again); `store-failed` when either database cannot be opened (a source written by a newer
 *   Warden is refused), the target refuses a row, or a count differs.
 */
export async function copyStore(options: {
  from?: string | undefined;
  to: string;
  dataDir?: string | undefined;
  env: Environment;
  onTable?: (copied: { name: string; rows: number }) => void;
}): Promise<StoreCopyReport> {
  const started = performance.now();
  const home = resolveHome(options.dataDir, options.env);
  if (!/^postgres(ql)?:\/\//i.test(options.to)) {
    // The value may hold a password: only its scheme is repeated.
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(options.to)?.[0] ?? 'a path';
    throw new UserError('usage', `--to: ${scheme} is not a PostgreSQL URL`, {
      hint: 'give --to postgres://USER@HOST/DATABASE (an empty database) to copy into',
    });
  }
  const from = sourcePath(options.from, home);
  const keyFile = path.join(path.dirname(from), CHECKPOINT_KEY_FILE);
  const key = existsSync(keyFile) ? loadCheckpointKey(path.dirname(from)) : undefined;
  const pg = await import('../store/pg/index.ts');
  const source = openSource(from);
  try {
    const target = await pg.openPgStore(options.to);
    try {
      const tables = await pg.copySqliteToPg(source, target, options.onTable);
      const tasks = tables.find((table) => table.name === 'tasks')?.rows ?? 0;
      const journal = (store: Store) =>
        new Journal(store, key ? { checkpoints: new Checkpoints(store, key) } : {});
      const broken = await brokenJournals(journal(target), target, tasks);
      if (broken.length > 0) {
        await pg.undoPgCopy(target);
        for (const entry of broken) entry.brokenInSource = !(await journal(source).verify(entry.taskId)).ok;
        throw journalsBroken(broken, from);
      }
      const counts = await pg.countPgRows(target);
      const differs = tables.filter(
        (table) => counts.find((count) => count.name === table.name)?.rows !== table.rows,
      );
      if (differs.length > 0) {
        await pg.undoPgCopy(target);
        throw new SystemError(
          'store-failed',
          `the target's row counts changed after the copy (${differs.map((table) => table.name).join(', ')}): another process wrote to it; the target was emptied again`,
          { hint: 'stop every worker and server pointed at the target database, then copy again' },
        );
      }
      return {
        from,
        to: pg.redactUrl(options.to),
        tables,
        tasks,
        journalsVerified: tasks,
        checkpointsChecked: key !== undefined,
        broken: [],
        durationMs: Math.round(performance.now() - started),
      };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** The SQLite file `from` names (`sqlite:PATH`), else the data directory's; it must exist. */
function sourcePath(from: string | undefined, home: string): string {
  if (from !== undefined && !(from.startsWith('sqlite:') && from.length > 'sqlite:'.length)) {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(from)?.[0] ?? 'a path';
    throw new UserError('usage', `--from: ${scheme} is not a SQLite store`, {
      hint: "give --from sqlite:PATH (an installation's warden.db); copying from PostgreSQL is not supported",
    });
  }
  const file = from === undefined ? path.join(home, 'warden.db') : path.resolve(from.slice('sqlite:'.length));
  if (!existsSync(file)) {
    throw new UserError('usage', `--from: there is no SQLite store at ${file}`, {
      hint: `give --from sqlite:PATH of an existing warden.db (an installation keeps it in its data directory, here ${home})`,
    });
  }
  return file;
}

function openSource(file: string) {
  try {
    return openSqliteStore(file);
  } catch (error) {
    if (!(error instanceof WardenError)) throw error;
    const newer = /newer Warden/.test(error.message);
    throw new SystemError('store-failed', `--from ${file}: ${error.message}; nothing was copied`, {
      cause: error,
      hint: newer
        ? 'copy with the Warden version that wrote the store (or a later one)'
        : (error.hint ?? 'is it a Warden store (warden.db)?'),
    });
  }
}

/** The tasks of `store` whose journal `journal` does not verify. */
async function brokenJournals(journal: Journal, store: Store, tasks: number): Promise<BrokenJournal[]> {
  const broken: BrokenJournal[] = [];
  if (tasks === 0) return broken;
  for (const task of await store.listTasks({ limit: tasks })) {
    const verification = await journal.verify(task.id);
    if (!verification.ok) {
      broken.push({
        taskId: task.id,
        brokenAt: verification.brokenAt ?? 0,
        problem: verification.problem ?? 'does not verify',
        brokenInSource: false,
      });
    }
  }
  return broken;
}

function journalsBroken(broken: readonly BrokenJournal[], from: string): SystemError {
  const listed = broken
    .map(
      (entry) =>
        `task ${entry.taskId}: ${entry.brokenAt > 0 ? `event ${entry.brokenAt}: ` : ''}${entry.problem}${entry.brokenInSource ? ' (broken in the source too)' : ''}`,
    )
    .join('; ');
  return new SystemError(
    'journal-corrupt',
    `${broken.length} journal(s) did not verify after the copy, so it was taken back and the target is empty: ${listed}`,
    {
      hint: `\`warden audit verify --db sqlite:${from}\` shows the source's journals; a broken journal is not moved as it is`,
    },
  );
}
