import { type TaintFacts, UNTAINTED } from '../../spec/provenance.ts';
import type { PolicyBundle } from '../load-policy-bundle.ts';

/**
 * The context with the task's `taint` (the request's own, else the task's now, else untainted), for a
 * bundle whose schema declares it; without it for one that does not (its validation would refuse it).
 */
export function withTaint(
  bundle: PolicyBundle,
  context: Record<string, unknown>,
  taint: (() => TaintFacts) | undefined,
): Record<string, unknown> {
  const { taint: given, ...rest } = context;
  if (!declaresTaint(bundle)) return rest;
  const facts = (given as TaintFacts | undefined) ?? taint?.() ?? UNTAINTED;
  return { ...rest, taint: { tainted: facts.tainted, sources: [...facts.sources], since: facts.since } };
}

/** Whether the bundle's schema gives its requests `context.taint` (the default bundle's does). */
export function declaresTaint(bundle: PolicyBundle): boolean {
  let known = taintDeclared.get(bundle);
  if (known === undefined) {
    known = /\btaint\s*:/.test(bundle.schema);
    taintDeclared.set(bundle, known);
  }
  return known;
}

/** `declaresTaint` per bundle, read once: it is asked on every request. */
const taintDeclared = new WeakMap<PolicyBundle, boolean>();
