import type { JournalEvent } from '../spec/journal-events.ts';
import { type TaintFacts, UNTAINTED } from '../spec/provenance.ts';

/** A task's taint as its journal records it (`context-tainted`): what its policy requests carry. */
export function taintFacts(events: readonly JournalEvent[]): TaintFacts {
  const tainted = events.filter((event) => event.type === 'context-tainted');
  if (tainted.length === 0) return UNTAINTED;
  return {
    tainted: true,
    sources: [...new Set(tainted.map((event) => event.kind))].sort(),
    since: tainted[0]?.at ?? '',
  };
}
