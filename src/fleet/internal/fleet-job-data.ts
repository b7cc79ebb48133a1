import { z } from 'zod';
import { UserError } from '../../spec/errors.ts';
import { FLEET_JOB_KINDS, type FleetJob, type FleetJobKind } from '../job-queue.ts';

const key = z.string().min(1).max(500);

/** A fleet job as stored in the queue: the job itself and the attempts its earlier copies used. */
const FleetJobDataSchema = z.object({
  kind: z.enum(FLEET_JOB_KINDS as [FleetJobKind, ...FleetJobKind[]]),
  payload: z.record(z.string(), z.unknown()),
  limits: z
    .strictObject({
      agent: key.optional(),
      team: key.optional(),
      repository: key.optional(),
      provider: key.optional(),
    })
    .optional(),
  /** Deliveries of the copies this job replaced when its limit was full (their retries count). */
  priorAttempts: z.number().int().min(0).optional(),
});

/** What the queue stores for a fleet job. */
export type FleetJobData = z.infer<typeof FleetJobDataSchema>;

/**
 * The stored form of `job`, checked as `parseFleetJobData` will read it back, so a job no worker could
 * read fails at enqueue: `UserError('usage')` naming what is wrong.
 */
export function toFleetJobData(job: FleetJob, priorAttempts = 0): FleetJobData {
  const result = FleetJobDataSchema.safeParse({
    kind: job.kind,
    payload: job.payload,
    ...(job.limits ? { limits: job.limits } : {}),
    ...(priorAttempts > 0 ? { priorAttempts } : {}),
  });
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(job)'}: ${issue.message}`);
  throw new UserError('usage', `not a fleet job: ${issues.join('; ')}`);
}

/** The job data a worker fetched, checked; `undefined` when it is not a fleet job's (written by something else). */
export function parseFleetJobData(data: unknown): FleetJobData | undefined {
  const result = FleetJobDataSchema.safeParse(data);
  return result.success ? result.data : undefined;
}
