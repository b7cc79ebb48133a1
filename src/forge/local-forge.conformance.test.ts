import { openSqliteStore, SqliteActionStore } from '../store/index.ts';
import { runForgeConformance } from '../testing/index.ts';
import { LocalForge } from './local-forge.ts';

await runForgeConformance({
  name: 'LocalForge (bare git repository, pull requests in SQLite)',
  createForge: async ({ bareRepository, protectedBranch }) => {
    const store = openSqliteStore(':memory:');
    const forge = new LocalForge({
      bareRepository,
      pullRequests: new SqliteActionStore(store.database),
      repository: 'acme/app',
      protectedBranches: [protectedBranch],
    });
    return { forge, close: () => store.close() };
  },
});
