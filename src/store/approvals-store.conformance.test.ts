import { runApprovalStoreConformance } from '../testing/approval-store-conformance.ts';
import { openSqliteEngineStores } from '../testing/sqlite-engine-stores.ts';

await runApprovalStoreConformance({
  name: 'SQLite approval store conformance',
  open: openSqliteEngineStores,
});
