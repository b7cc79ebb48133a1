import { runActionStoreConformance } from '../testing/action-store-conformance.ts';
import { openSqliteEngineStores } from '../testing/sqlite-engine-stores.ts';

await runActionStoreConformance({ name: 'SQLite action store conformance', open: openSqliteEngineStores });
