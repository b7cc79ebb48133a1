import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAuditSearchConformance } from '../testing/audit-search-conformance.ts';
import { SqliteAuditSearch } from './audit-search.ts';
import { openSqliteStore } from './sqlite-store.ts';

const dirs = new Map<object, string>();

await runAuditSearchConformance({
  name: 'SQLite audit search',
  open: async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'warden-audit-search-'));
    const store = openSqliteStore(path.join(dir, 'warden.db'));
    const underTest = { store, search: new SqliteAuditSearch(store.database) };
    dirs.set(underTest, dir);
    return underTest;
  },
  close: async (underTest) => {
    await underTest.store.close();
    rmSync(dirs.get(underTest)!, { recursive: true, force: true });
  },
});
