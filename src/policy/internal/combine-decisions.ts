import type { DecisionKind } from '../../spec/types.ts';

const RANK: Record<DecisionKind, number> = { allow: 0, ask: 1, deny: 2 };

/** The stricter of two decisions: deny beats ask beats allow. */
export function stricter(left: DecisionKind, right: DecisionKind): DecisionKind {
  return RANK[left] >= RANK[right] ? left : right;
}
