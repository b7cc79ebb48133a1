import { runDeliveryStoreConformance } from '../testing/delivery-store-conformance.ts';
import { openSqliteEngineStores } from '../testing/sqlite-engine-stores.ts';

await runDeliveryStoreConformance({
  name: 'SQLite delivery store conformance',
  open: openSqliteEngineStores,
});
