import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreConformance } from '../testing/store-conformance.ts';
import { openSqliteStore } from './sqlite-store.ts';

await runStoreConformance({
  name: 'SQLite store conformance',
  open: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-store-'));
    const path = join(dir, 'warden.db');
    return {
      store: openSqliteStore(path),
      openAgain: async () => openSqliteStore(path),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});
