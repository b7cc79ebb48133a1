import { runOutcomeStoreConformance } from '../testing/outcome-store-conformance.ts';
import { openSqliteEngineStores } from '../testing/sqlite-engine-stores.ts';

await runOutcomeStoreConformance({ name: 'SQLite outcome store conformance', open: openSqliteEngineStores });
