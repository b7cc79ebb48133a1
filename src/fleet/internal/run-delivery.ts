import type { JobResult, JobWithMetadata } from 'pg-boss';
import type { FleetDelivery, FleetLimitKey, JobQueueEvent } from '../job-queue.ts';
import type { JobQueueSettings } from '../job-queue-settings.ts';
import { type FleetJobData, parseFleetJobData } from './fleet-job-data.ts';
import type { LimitSlots } from './limit-slots.ts';

/** What running one delivery needs from the queue around it. */
export interface DeliveryContext {
  slots: LimitSlots;
  limits: JobQueueSettings['limits'];
  handler: (job: FleetDelivery) => Promise<void>;
  /** Puts the job back for a while (a fresh copy, the same attempt), in one transaction on `slots`. */
  putBack: (job: JobWithMetadata<unknown>, data: FleetJobData) => Promise<void>;
  onEvent: (event: JobQueueEvent) => void;
}

/**
 * Runs one job pg-boss delivered and says how pg-boss should settle it: `completed` when the handler
 * returned (or the job was put back: its copy carries on), `failed` (pg-boss retries it with backoff
 * while retries remain) when the handler threw a retryable error or the slots could not be taken,
 * `deadletter` (failed for good, no queue behind it) for any other throw or data that is not a fleet job.
 */
export async function runDelivery(
  job: JobWithMetadata<unknown>,
  context: DeliveryContext,
): Promise<JobResult> {
  const data = parseFleetJobData(job.data);
  if (!data) {
    return {
      id: job.id,
      status: 'deadletter',
      output: { message: 'not a fleet job: its data does not parse' },
    };
  }
  const attempt = (data.priorAttempts ?? 0) + job.retryCount + 1;
  const failed = (error: unknown, retryable: boolean): JobResult => {
    const willRetry = retryable && job.retryCount < job.retryLimit;
    context.onEvent({ type: 'job-failed', id: job.id, kind: data.kind, attempt, willRetry, error });
    return { id: job.id, status: retryable ? 'failed' : 'deadletter', output: describeFailure(error) };
  };

  let taken: { held: boolean; full?: FleetLimitKey };
  try {
    taken = await context.slots.acquire(data.limits, context.limits);
  } catch (error) {
    return failed(error, true);
  }
  if (taken.full) {
    try {
      await context.putBack(job, data);
    } catch (error) {
      return failed(error, true);
    }
    context.onEvent({ type: 'job-deferred', id: job.id, kind: data.kind, key: taken.full });
    // The job is completed already (its copy waits); pg-boss's own completion, fenced to an active
    // attempt, finds nothing to do.
    return { id: job.id, status: 'completed', output: { deferred: taken.full } };
  }
  try {
    await context.handler({
      kind: data.kind,
      payload: data.payload,
      ...(data.limits ? { limits: data.limits } : {}),
      id: job.id,
      attempt,
      signal: job.signal,
      createdAt: new Date(job.createdOn).toISOString(),
    });
    return { id: job.id, status: 'completed' };
  } catch (error) {
    return failed(error, (error as { isRetryable?: unknown } | undefined)?.isRetryable === true);
  } finally {
    if (taken.held) await context.slots.release();
  }
}

/** What pg-boss stores as a failed job's output: the message and, for a Warden error, its code. */
function describeFailure(error: unknown): Record<string, unknown> {
  const code = (error as { code?: unknown } | undefined)?.code;
  return {
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === 'string' ? { code } : {}),
  };
}
