import type { JournalEvent } from '../spec/journal-events.ts';
import { GENESIS_HASH, hashEvent } from './hash-event.ts';

/**
 * Re-walks a chain: seq from 1 without gaps, each `prevHash` the previous event's hash, each hash the
 * SHA-256 of its content. Returns the first event that does not hold, or nothing when all do.
 */
export function checkChain(events: readonly JournalEvent[]): { brokenAt?: number; problem?: string } {
  let previousHash = GENESIS_HASH;
  for (const [index, event] of events.entries()) {
    if (event.seq !== index + 1) {
      return { brokenAt: index + 1, problem: `event ${index + 1} is missing (next is ${event.seq})` };
    }
    if (event.prevHash !== previousHash) {
      return { brokenAt: event.seq, problem: 'link to the previous event broken' };
    }
    if (hashEvent(event) !== event.hash) {
      return { brokenAt: event.seq, problem: 'content does not match its hash' };
    }
    previousHash = event.hash;
  }
  return {};
}
