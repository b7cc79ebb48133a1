export { GENESIS_HASH, hashEvent } from './hash-event.ts';
export { Journal } from './journal.ts';
export type { ChainVerification, EventFields, EventListener } from './journal.ts';
