import type { CreateJobQueueOptions, JobQueue } from './job-queue.ts';
import type { JobQueueSettingsInput } from './job-queue-settings.ts';

/**
 * Opens the fleet's job queue on the PostgreSQL database at `url`: creates or migrates its schema and
 * its queue, then returns it, ready to enqueue. The queue package is loaded here, not at import time.
 * Throws `UserError('config-invalid')` for bad settings and `SystemError('store-failed')` when
 * PostgreSQL cannot be reached or refuses.
 */
export async function createJobQueue(
  url: string,
  settings: JobQueueSettingsInput = {},
  options: CreateJobQueueOptions = {},
): Promise<JobQueue> {
  const { openPgBossJobQueue } = await import('./pg-boss-job-queue.ts');
  return openPgBossJobQueue(url, settings, options);
}
