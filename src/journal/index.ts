export type { CheckpointKey } from './checkpoint-key.ts';
export { CHECKPOINT_KEY_FILE, loadCheckpointKey } from './checkpoint-key.ts';
export { Checkpoints } from './checkpoints.ts';
export { GENESIS_HASH, hashEvent } from './hash-event.ts';
export type { ChainVerification, EventListener } from './journal.ts';
export { Journal } from './journal.ts';
export type { JournalState } from './journal-state.ts';
export { taintFacts } from './taint-facts.ts';
