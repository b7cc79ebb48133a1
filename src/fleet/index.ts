export { createJobQueue } from './create-job-queue.ts';
export type {
  CreateJobQueueOptions,
  EnqueueOptions,
  FleetDelivery,
  FleetJob,
  FleetJobKind,
  FleetLimitKey,
  JobQueue,
  JobQueueEvent,
  ScheduledJob,
} from './job-queue.ts';
export { FLEET_JOB_KINDS, FLEET_LIMIT_KEYS } from './job-queue.ts';
export type { JobQueueSettings, JobQueueSettingsInput } from './job-queue-settings.ts';
export { JobQueueSettingsSchema, parseJobQueueSettings } from './job-queue-settings.ts';
export type { LeaseBook, LeaseKeeperSettings } from './lease-keeper.ts';
export { LeaseKeeper } from './lease-keeper.ts';
