import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBreakerStoreConformance } from '../testing/breaker-store-conformance.ts';
import { SqliteBreakerStore } from './breaker-store.ts';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';

await runBreakerStoreConformance({
  name: 'SQLite breaker store conformance',
  open: async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'warden-breakers-'));
    const file = path.join(dir, 'warden.db');
    const opened: SqliteStore[] = [openSqliteStore(file)];
    return {
      book: new SqliteBreakerStore(opened[0]!.database),
      openAgain: async () => {
        const again = openSqliteStore(file);
        opened.push(again);
        return new SqliteBreakerStore(again.database);
      },
      close: async () => {
        for (const each of opened) await each.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
