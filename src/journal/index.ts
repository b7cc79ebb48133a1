export { GENESIS_HASH, hashEvent } from './hash-event.ts';
export type { ChainVerification, EventFields, EventListener } from './journal.ts';
export { Journal } from './journal.ts';
