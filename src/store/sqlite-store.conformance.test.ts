import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreConformance } from '../testing/store-conformance.ts';
import { runStoreStartConformance } from '../testing/store-start-conformance.ts';
import { openSqliteStore } from './sqlite-store.ts';

const options: Parameters<typeof runStoreConformance>[0] = {
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
};
await runStoreConformance(options);
await runStoreStartConformance(options);
