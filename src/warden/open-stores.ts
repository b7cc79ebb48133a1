import path from 'node:path';
import { UserError } from '../spec/errors.ts';
import type { StoreSet } from '../spec/store-set.ts';
import { openSqliteStores } from '../store/index.ts';

/**
 * Opens the stores `database` names: a PostgreSQL URL (`postgres://…`, `postgresql://…`: a fleet), or
 * `sqlite:PATH`; without one, the data directory's SQLite file (`<home>/warden.db`). The PostgreSQL
 * client is loaded only for a PostgreSQL URL.
 *
 * @throws UserError `usage` for a value that names no database Warden knows; SystemError `store-failed`
 *   when the database cannot be opened or migrated (or was migrated by a newer Warden).
 */
export async function openStores(database: string | undefined, home: string): Promise<StoreSet> {
  if (database === undefined || database === '') return openSqliteStores(path.join(home, 'warden.db'));
  if (/^postgres(ql)?:\/\//i.test(database)) {
    const { openPgStores } = await import('../store/pg/index.ts');
    return await openPgStores(database);
  }
  if (database.startsWith('sqlite:') && database.length > 'sqlite:'.length) {
    return openSqliteStores(path.resolve(database.slice('sqlite:'.length)));
  }
  // The value may hold a password: only its scheme is repeated.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(database)?.[0] ?? 'a path';
  throw new UserError('usage', `--db: ${scheme} is not a database Warden knows`, {
    hint: 'give postgres://USER@HOST/DATABASE (or postgresql://…) for a fleet, or sqlite:PATH for a SQLite file',
  });
}
