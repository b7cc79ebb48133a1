export { type CopiedRows, copySqliteToPg, countPgRows, undoPgCopy } from './copy-sqlite-to-pg.ts';
export { openPgStores } from './open-pg-stores.ts';
export { redactUrl } from './pg-errors.ts';
export { openPgStore, PgStore } from './pg-store.ts';
