import type { StopReason } from '../spec/types.ts';

/** Why the loop stops: the reason the task's status comes from, and a sentence for people. */
export interface LoopStop {
  stopReason: StopReason;
  detail: string;
}
