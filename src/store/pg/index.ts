export { openPgStores } from './open-pg-stores.ts';
