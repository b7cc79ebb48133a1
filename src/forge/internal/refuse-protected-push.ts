import { matchesBranchPattern } from '../../spec/branch-pattern.ts';
import { UserError } from '../../spec/errors.ts';
import type { Forge } from '../../spec/forge.ts';

/**
 * Throws when `branch` is the forge's default branch or matches one of its protected branches. The
 * action gateway refuses such a push before policy is asked; the forge refuses it again so that no other
 * caller, and no bug in the gateway, can move a protected branch (security checks fail closed).
 *
 * @throws UserError `action-refused` naming the branch.
 */
export async function refuseProtectedPush(forge: Forge, branch: string): Promise<void> {
  const protectedBranches = await forge.protectedBranches();
  if (!protectedBranches.some((pattern) => matchesBranchPattern(pattern, branch))) return;
  throw new UserError(
    'action-refused',
    `${branch} is a protected branch of ${forge.repository}; it is never pushed to`,
    {
      hint: 'push to a warden/* branch and open a pull request into it instead',
    },
  );
}
