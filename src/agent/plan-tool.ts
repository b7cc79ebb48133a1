import { z } from 'zod';
import type { PlannedSubtask } from '../spec/journal-events.ts';
import type { PolicyDecider } from '../spec/policy.ts';
import type { Decision, ToolCall } from '../spec/types.ts';
import type { ToolDefinition } from './tools/tool.ts';

/** Most subtasks a plan may have. */
export const MAX_SUBTASKS = 32;

const SubtaskSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, ".", "_" and "-", at most 64')
    .describe('A short name for the subtask (`add-column`).'),
  goal: z.string().min(1).describe('What the worker is to do, self-contained: it sees nothing else.'),
  check: z
    .string()
    .min(1)
    .describe('A shell command that exits 0 only when the subtask is done (`npm test -- users`).'),
  dependsOn: z
    .array(z.string())
    .optional()
    .describe('Ids of earlier subtasks whose changes this one builds on; they run first.'),
});

const PlanInputSchema = z
  .strictObject({
    subtasks: z.array(SubtaskSchema).min(1).max(MAX_SUBTASKS),
  })
  .superRefine((plan, context) => {
    const seen = new Set<string>();
    for (const [index, subtask] of plan.subtasks.entries()) {
      if (seen.has(subtask.id)) {
        context.addIssue({
          code: 'custom',
          path: ['subtasks', index, 'id'],
          message: `${subtask.id} is used twice`,
        });
      }
      for (const dependency of subtask.dependsOn ?? []) {
        if (!seen.has(dependency)) {
          context.addIssue({
            code: 'custom',
            path: ['subtasks', index, 'dependsOn'],
            message: `${dependency} is not an earlier subtask: a subtask depends only on subtasks listed before it`,
          });
        }
      }
      seen.add(subtask.id);
    }
  });

/** Where the `plan` tool leaves the plan it accepted; the last accepted plan counts. */
export interface PlanHolder {
  plan: PlannedSubtask[] | undefined;
}

/**
 * The planner's `plan` tool: the subtasks, each with a check command, in the order their changes are
 * applied. It only records the plan; the orchestrator runs it once the planner finishes.
 */
export function createPlanTool(holder: PlanHolder): ToolDefinition<z.infer<typeof PlanInputSchema>> {
  return {
    name: 'plan',
    description:
      'Record the plan: subtasks, each carried out by a worker in a fresh copy of the repository and done only when its check command exits 0. Independent subtasks run in parallel; a subtask starts from the changes of the subtasks it dependsOn. Their changes are applied in this order, then the task check must pass. Call it once, then finish with a one-line summary.',
    input: PlanInputSchema,
    async run(input) {
      holder.plan = input.subtasks.map((subtask) => ({ ...subtask, dependsOn: subtask.dependsOn ?? [] }));
      const ids = input.subtasks.map((subtask) => subtask.id).join(', ');
      return {
        output: `The plan is recorded: ${input.subtasks.length} subtask(s) (${ids}). Finish now with a one-line summary and no tool call.`,
        isError: false,
      };
    },
  };
}

/**
 * How a `plan` call is judged: each subtask's check is a command the worker's sandbox will run, so each
 * is decided as a `shell` call by the agent's policy engine. The plan is allowed only when every check
 * is; a check that would need a human is refused (nobody is asked mid-plan), as is a malformed plan's
 * being judged at all (the tool then tells the model what is wrong).
 */
export function decidePlan(decider: PolicyDecider): (call: ToolCall) => Promise<Decision> {
  return async (call) => {
    const parsed = PlanInputSchema.safeParse(call.input);
    if (!parsed.success) {
      return { decision: 'allow', reasons: ['a malformed plan is answered by the tool'], policyIds: [] };
    }
    const reasons: string[] = [];
    const policyIds = new Set<string>();
    let refused = false;
    for (const subtask of parsed.data.subtasks) {
      const decision = await decider.decide({
        id: `${call.id}:${subtask.id}`,
        name: 'shell',
        input: { command: subtask.check },
      });
      for (const id of decision.policyIds) policyIds.add(id);
      if (decision.decision === 'allow') continue;
      refused = true;
      const why = decision.decision === 'ask' ? 'would need a human' : 'is denied';
      reasons.push(`subtask ${subtask.id}'s check ${why}: ${decision.reasons.join('; ')}`);
    }
    if (refused) return { decision: 'deny', reasons, policyIds: [...policyIds] };
    return {
      decision: 'allow',
      reasons: ['every subtask check is an allowed command'],
      policyIds: [...policyIds],
    };
  };
}
