import { z } from 'zod';
import { UserError } from '../spec/errors.ts';

const seconds = (description: string) => z.number().int().positive().describe(description);
const slots = (what: string) =>
  z
    .number()
    .int()
    .positive()
    .optional()
    .describe(`Most jobs of one ${what} that run at once across the fleet; unset: no limit.`);

/**
 * How the fleet's job queue (pg-boss on PostgreSQL) runs. A worker killed with `kill -9` has its job
 * delivered again, as the next attempt, within about `heartbeatSeconds + 2 × superviseIntervalSeconds +
 * 2 × retryDelaySeconds + pollingIntervalSeconds`: about 62 s with the defaults (see
 * docs/decisions/0010-postgres-job-queue.md).
 */
export const JobQueueSettingsSchema = z.strictObject({
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL identifier')
    .default('warden_queue')
    .describe("The PostgreSQL schema that holds the queue's tables (created on first start)."),
  retryLimit: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(5)
    .describe(
      'Deliveries after the first that an infrastructure failure may cost a job (a retryable error or a worker that died); then it fails for good.',
    ),
  retryDelaySeconds: seconds(
    'Delay before the first retry; each further retry waits about twice as long (with jitter).',
  ).default(5),
  retryDelayMaxSeconds: seconds('Longest delay between two retries.').default(300),
  heartbeatSeconds: z
    .number()
    .int()
    .min(10)
    .default(30)
    .describe(
      "A running job's heartbeat is refreshed every half of this; a job not heard from for this long (its worker died) is retried.",
    ),
  superviseIntervalSeconds: seconds(
    'How often a queue instance looks for jobs whose heartbeat stopped (one instance of the fleet does it each time).',
  ).default(10),
  maxRunSeconds: z
    .number()
    .int()
    .min(10)
    .max(86_400)
    .default(14_400)
    .describe(
      'Longest a job may run before the queue aborts its handler and retries it, even with a live heartbeat.',
    ),
  pollingIntervalSeconds: z
    .number()
    .min(0.5)
    .default(2)
    .describe(
      'How often an idle worker looks for jobs whose time came (retries, delayed jobs); new jobs wake it at once.',
    ),
  deferSeconds: z
    .number()
    .int()
    .positive()
    .default(5)
    .describe('How long a job that found its concurrency limit full waits before it is tried again.'),
  limits: z
    .strictObject({
      agent: slots('agent'),
      team: slots('team'),
      repository: slots('repository'),
      provider: slots('model provider'),
    })
    .default({})
    .describe('Concurrency limits per key, enforced across every worker of the fleet.'),
  maxConnections: z
    .number()
    .int()
    .min(2)
    .default(10)
    .describe("Size of the queue's connection pool in each process (concurrency slots hold one more each)."),
});

/** Settings as written (every field optional). */
export type JobQueueSettingsInput = z.input<typeof JobQueueSettingsSchema>;
/** Settings with defaults applied. */
export type JobQueueSettings = z.output<typeof JobQueueSettingsSchema>;

/**
 * Parses job queue settings, filling defaults. Throws `UserError('config-invalid')` naming each bad
 * field and what it allows.
 */
export function parseJobQueueSettings(input: unknown = {}): JobQueueSettings {
  const result = JobQueueSettingsSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map(
    (issue) => `  ${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`,
  );
  throw new UserError('config-invalid', `job queue settings are invalid:\n${lines.join('\n')}`);
}
