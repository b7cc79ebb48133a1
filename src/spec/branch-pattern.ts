/**
 * Whether `branch` matches a protected-branch pattern: an exact name, or a `*` wildcard as forges write
 * them (`release/*`). One matcher for the action gateway's branch rules and for the forges' own refusal.
 */
export function matchesBranchPattern(pattern: string, branch: string): boolean {
  if (!pattern.includes('*')) return pattern === branch;
  const expression = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${expression}$`).test(branch);
}
