import { z } from 'zod';
import type { ActionName } from '../spec/actions.ts';

const text = (what: string, max: number) => z.string().max(max).describe(what);
const pullNumber = z.number().int().positive().describe('the pull request number');

/** The parameters of every action, parsed strictly: an unknown field is an error, not ignored. */
export const ACTION_PARAMETER_SCHEMAS = {
  'forge.push': z
    .object({
      branch: z.string().min(1).max(200).describe('the forge branch to create or fast-forward'),
      commit: z
        .string()
        .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/)
        .optional()
        .describe('the full commit id; undefined: the head of the same-named branch in the workspace'),
      force: z.boolean().optional().describe('always refused when true'),
    })
    .strict(),
  'forge.open_pr': z
    .object({
      head: z.string().min(1).max(200).describe('the branch with the change'),
      base: z.string().min(1).max(200).optional().describe('undefined: the default branch'),
      title: text('the title', 256).min(1),
      body: text('the description', 60_000).default(''),
      labels: z.array(z.string().min(1).max(50)).max(10).optional().describe('labels it is opened with'),
    })
    .strict(),
  'forge.update_pr': z
    .object({
      number: pullNumber,
      title: text('a new title', 256).min(1).optional(),
      body: text('a new description', 60_000).optional(),
      state: z.enum(['open', 'closed']).optional(),
    })
    .strict(),
  'forge.comment': z.object({ number: pullNumber, body: text('the comment', 60_000).min(1) }).strict(),
  'forge.review': z
    .object({
      number: pullNumber,
      body: text('the review', 60_000).min(1),
      comments: z
        .array(
          z
            .object({
              path: z.string().min(1).max(400),
              line: z.number().int().positive(),
              body: text('a line comment', 10_000).min(1),
            })
            .strict(),
        )
        .max(50)
        .default([])
        .describe('comments on lines of the changed files (the new side of the diff)'),
    })
    .strict(),
  'forge.request_review': z
    .object({
      number: pullNumber,
      reviewers: z.array(z.string().min(1).max(100)).min(1).max(15).describe('user logins'),
    })
    .strict(),
  deploy: z
    .object({
      environment: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/)
        .describe('the environment to deploy to'),
      ref: z.string().min(1).max(200).describe('what to deploy (a branch or commit)'),
    })
    .strict(),
} as const satisfies Record<ActionName, z.ZodType>;

/** The parsed parameters of each action. */
export type ActionParameters = { [Name in ActionName]: z.output<(typeof ACTION_PARAMETER_SCHEMAS)[Name]> };
