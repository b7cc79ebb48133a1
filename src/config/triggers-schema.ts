import { z } from 'zod';

/** What starts tasks without a person: webhooks from GitHub, each event mapped to a declared agent. */
export const TriggersSchema = z
  .strictObject({
    github: z
      .strictObject({
        secretEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
          .describe('The environment variable holding the webhook secret (never the config file).')
          .default('WARDEN_GITHUB_WEBHOOK_SECRET'),
        repositories: z
          .record(
            z
              .string()
              .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'owner/name')
              .refine((name) => !name.split('/').some((part) => part === '.' || part === '..'), 'owner/name'),
            z.string().min(1),
          )
          .describe(
            'Each GitHub repository (owner/name) Warden answers, and the local checkout its tasks work on, or `clone`: Warden keeps its own checkout (`<data dir>/checkouts/OWNER/NAME`), fetched as the App just before each task at the commit the event names. An event of any other repository is ignored.',
          )
          .default({}),
        maxPerHour: z
          .number()
          .int()
          .nonnegative()
          .describe(
            'Most tasks the deliveries of one repository start in an hour; the rest are ignored, recorded.',
          )
          .default(2),
        maxOpenPullRequests: z
          .number()
          .int()
          .nonnegative()
          .describe(
            "Most of Warden's pull requests (head `warden/…`) open on one repository; at the cap, deliveries start nothing, recorded.",
          )
          .default(10),
        mention: z
          .string()
          .min(2)
          .describe('What an issue_comment must contain to start work (case does not matter).')
          .default('@warden'),
        ignoreActors: z
          .array(z.string().min(1))
          .describe("Logins whose events never start work: Warden's own app or bot account.")
          .default([]),
        on: z
          .array(
            z.strictObject({
              event: z
                .enum(['workflow_run', 'check_suite', 'issues', 'issue_comment', 'pull_request'])
                .describe(
                  'workflow_run or check_suite: completed with failure; issues: labelled with `label`; issue_comment: a new comment that mentions `mention`; pull_request: opened or pushed to (for a reviewer).',
                ),
              label: z.string().min(1).optional().describe('issues: the label that asks for work.'),
              agent: z.string().min(1).describe('The declared agent the task runs.'),
              mode: z
                .enum(['act', 'shadow'])
                .optional()
                .describe(
                  "shadow: deliver nothing, keep the would-be pull request (default the agent's `mode`).",
                ),
            }),
          )
          .describe('Which events start which agent; the first that matches wins.')
          .default([]),
      })
      .prefault({}),
    alerts: z
      .strictObject({
        secretEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
          .describe(
            'The environment variable holding the secret alert webhooks are signed with (X-PagerDuty-Signature v1=, or X-Warden-Signature sha256=).',
          )
          .default('WARDEN_ALERT_WEBHOOK_SECRET'),
        services: z
          .record(z.string().min(1), z.string().min(1))
          .describe(
            "Each service Warden investigates (PagerDuty's service name, Alertmanager's `service` or `job` label), and the local checkout of its code. Alerts of any other service are ignored.",
          )
          .default({}),
        agent: z
          .string()
          .min(1)
          .describe('The declared agent an alert starts.')
          .default('oncall-investigator'),
        maxPerHour: z
          .number()
          .int()
          .nonnegative()
          .describe("Most tasks one service's alerts start in an hour; the rest are ignored, recorded.")
          .default(4),
        mode: z
          .enum(['act', 'shadow'])
          .optional()
          .describe("shadow: deliver nothing (default the agent's `mode`)."),
      })
      .prefault({}),
    schedules: z
      .array(
        z.strictObject({
          name: z
            .string()
            .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/)
            .describe('The schedule, as its tasks record it (`schedule:NAME`).'),
          cron: z
            .string()
            .min(1)
            .describe('When: a cron pattern (five fields, or six with seconds first), in UTC.'),
          repo: z.string().min(1).describe('The local checkout the task works on.'),
          agent: z.string().min(1).optional().describe('The declared agent it runs (default `agent:`).'),
          task: z.string().min(1).describe('What the agent is asked to do.'),
          mode: z
            .enum(['act', 'shadow'])
            .optional()
            .describe(
              "shadow: deliver nothing, keep the would-be pull request (default the agent's `mode`).",
            ),
        }),
      )
      .describe(
        '`warden serve` starts each at its times; a tick while its last task still waits or runs starts nothing.',
      )
      .default([]),
  })
  .describe(
    'What starts tasks without a person: webhooks at POST /webhooks/github and POST /webhooks/alert, and schedules.',
  );
