import { z } from 'zod';
import type { EvalReport } from '../eval-report.ts';

const count = z.number().int().min(0);
const amount = z.number().min(0);
const rate = z.number().min(0).max(1);
const ids = z.array(z.string());
const status = z.enum(['resolved', 'unresolved', 'error', 'empty_patch']);

const instanceSchema = z.object({
  instanceId: z.string().min(1),
  repo: z.string().min(1),
  status,
  trials: count,
  resolvedTrials: count,
  passAt1: rate,
  passHatK: rate,
  costUsd: amount,
  tokens: amount,
  wallMsP50: amount,
  toolCalls: count,
  toolErrors: count,
  policyDenials: count,
  earlyExits: count,
});

const totalsSchema = z.object({
  trials: count,
  resolvedTrials: count,
  passAt1: rate,
  passHatK: z.record(z.string(), rate),
  costUsd: amount,
  costPerResolvedUsd: amount.nullable(),
  tokens: amount,
  wallMsP50: amount,
  wallMsP95: amount,
  toolErrorRate: rate.nullable(),
  policyDenials: count,
  earlyExits: count,
});

/**
 * A `report.json` as `warden eval run` writes it. Not strict: a newer Warden may add fields; they are
 * dropped, as `compare` reads only these.
 */
export const evalReportSchema: z.ZodType<EvalReport> = z.object({
  total_instances: count,
  submitted_instances: count,
  completed_instances: count,
  resolved_instances: count,
  unresolved_instances: count,
  empty_patch_instances: count,
  error_instances: count,
  completed_ids: ids,
  incomplete_ids: ids,
  submitted_ids: ids,
  resolved_ids: ids,
  unresolved_ids: ids,
  error_ids: ids,
  empty_patch_ids: ids,
  schema_version: z.literal(2),
  warden: z.object({
    suite: z.string(),
    source: z.enum(['gold', 'predictions', 'agent']),
    agent: z.string().optional(),
    model: z.string().optional(),
    epochs: count.min(1),
    startedAt: z.string(),
    finishedAt: z.string(),
    totals: totalsSchema,
    instances: z.array(instanceSchema).superRefine((instances, context) => {
      const seen = new Set<string>();
      for (const [index, instance] of instances.entries()) {
        if (seen.has(instance.instanceId)) {
          context.addIssue({
            code: 'custom',
            path: [index, 'instanceId'],
            message: `${instance.instanceId} appears twice`,
          });
        }
        seen.add(instance.instanceId);
      }
    }),
  }),
});
