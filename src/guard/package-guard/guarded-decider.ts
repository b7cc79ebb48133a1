import { z } from 'zod';
import type { ShellParser } from '../../policy/index.ts';
import { describeError } from '../../spec/errors.ts';
import type { PolicyDecider } from '../../spec/policy.ts';
import type { Decision, ToolCall } from '../../spec/types.ts';
import type { GuardWorkspace, PackageGuard, PackageVerdict } from './package-guard.ts';
import { parseInstalls } from './parse-installs.ts';

const ShellInput = z.object({ command: z.string() });

/** What the package guard needs to judge a command line: itself, a bash parser and the workspace. */
export interface InstallJudge {
  guard: PackageGuard;
  parser: ShellParser;
  workspace: GuardWorkspace;
}

/**
 * The guard's verdicts on the installs of one tool call: none for a call that is not `shell` or
 * installs nothing. Throws only when the command cannot be parsed at all (the caller denies).
 */
export async function judgeInstalls(judge: InstallJudge, call: ToolCall): Promise<PackageVerdict[]> {
  if (call.name !== 'shell') return [];
  const input = ShellInput.safeParse(call.input);
  if (!input.success) return [];
  const parsed = await judge.parser.parse(input.data.command);
  const installs = parseInstalls(parsed.commands);
  if (installs.length === 0) return [];
  return await judge.guard.check(installs, judge.workspace);
}

/**
 * The decision once the package guard has spoken: any refusal denies (its reasons, one per refused
 * package, are what the model and the journal see, under `package-guard:<check>` ids); otherwise the
 * policy's decision stands, with what the guard checked added to its reasons.
 */
export function withVerdicts<D extends Decision>(decision: D, verdicts: readonly PackageVerdict[]): D {
  if (verdicts.length === 0) return decision;
  const refused = verdicts.filter((verdict) => verdict.decision === 'deny');
  if (refused.length > 0) {
    return {
      ...decision,
      decision: 'deny',
      reasons: refused.map((verdict) => verdict.reason),
      policyIds: [...new Set(refused.map((verdict) => `package-guard:${verdict.check}`))],
    };
  }
  return {
    ...decision,
    reasons: [...decision.reasons, ...verdicts.map((verdict) => `package guard: ${verdict.reason}`)],
    policyIds: [...decision.policyIds, 'package-guard'],
  };
}

/**
 * A decider that runs the package guard on every shell call the policy did not already deny: an
 * install the guard refuses is denied through the same path as a policy denial, so the model reads
 * why (and the likely intended name) in its tool result and the journal records it as the decision.
 * A guard that fails in an unexpected way denies.
 */
export function withPackageGuard(decider: PolicyDecider, judge: InstallJudge): PolicyDecider {
  return {
    get name() {
      return decider.name;
    },
    async decide(call) {
      const decision = await decider.decide(call);
      if (decision.decision === 'deny' || call.name !== 'shell') return decision;
      try {
        return withVerdicts(decision, await judgeInstalls(judge, call));
      } catch (error) {
        return {
          ...decision,
          decision: 'deny',
          reasons: [`package guard error: ${describeError(error)}`],
          policyIds: ['package-guard:error'],
        };
      }
    },
  };
}
