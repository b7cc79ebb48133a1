import { z } from 'zod';

const slots = (what: string) =>
  z
    .number()
    .int()
    .positive()
    .nullable()
    .default(null)
    .describe(`Most tasks of one ${what} that run at once across the fleet's workers; null: no limit.`);

/** How a fleet (`--db postgres://…`, `warden worker`) shares its work. */
export const FleetSchema = z
  .strictObject({
    concurrency: z
      .strictObject({
        agent: slots('agent'),
        team: slots('team'),
        repository: slots('repository'),
        provider: slots('model provider (anthropic, openai, …)'),
      })
      .prefault({})
      .describe(
        'Concurrency limits per key across every worker of a fleet; a task whose limit is full waits in the queue, costing it no attempt.',
      ),
  })
  .describe('The fleet: workers sharing one PostgreSQL database (see docs/architecture/fleet.md).');
