import { matchesBranchPattern } from '../spec/branch-pattern.ts';

/** The only branches Warden ever pushes to. */
export const WARDEN_BRANCH_PREFIX = 'warden/';

/** Why a push is refused before policy is asked; `undefined` when the hard rules let it through. */
export function refusePush(push: {
  branch: string;
  force: boolean;
  defaultBranch: string;
  protectedBranches: readonly string[];
}): string | undefined {
  const { branch } = push;
  if (push.force) return 'force pushes are never allowed';
  if (!branch.startsWith(WARDEN_BRANCH_PREFIX) || branch.length === WARDEN_BRANCH_PREFIX.length) {
    return `only ${WARDEN_BRANCH_PREFIX}* branches may be pushed, not ${JSON.stringify(branch)}`;
  }
  if (!isSafeBranchName(branch)) return `${JSON.stringify(branch)} is not an acceptable branch name`;
  if (branch === push.defaultBranch) return `${branch} is the default branch`;
  if (push.protectedBranches.some((pattern) => matchesBranchPattern(pattern, branch))) {
    return `${branch} is a protected branch`;
  }
  return undefined;
}

/** A conservative subset of git's ref-name rules: no `..`, `@{`, control or special characters. */
function isSafeBranchName(branch: string): boolean {
  if (!/^[A-Za-z0-9._/-]+$/.test(branch)) return false;
  if (branch.includes('..') || branch.includes('//') || branch.endsWith('/') || branch.endsWith('.')) {
    return false;
  }
  return branch
    .split('/')
    .every((part) => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock'));
}
