import { z } from 'zod';

const positive = (description: string) => z.number().positive().describe(description);
const positiveInt = (description: string) => z.number().int().positive().describe(description);

export const BudgetSchema = z
  .strictObject({
    maxUsd: positive(
      'Most a task may spend on model calls, in USD. A call that could cross it is not made.',
    ).default(2),
    maxTokens: positiveInt('Most tokens (input, output and cache) a task may use.').default(2_000_000),
    maxSteps: positiveInt('Most model calls a task may make.').default(40),
    maxWallSeconds: positive('Most wall-clock seconds a task may run.').default(900),
  })
  .describe('Per-task limits; whichever is reached first stops the task with exit code 3.');

export const SandboxSchema = z
  .strictObject({
    commandTimeoutMs: positiveInt('Default timeout of one shell command, in milliseconds.').default(120_000),
    maxCommandTimeoutMs: positiveInt('Largest timeout_ms the agent may ask for.').default(600_000),
    maxOutputBytes: positiveInt(
      'Bytes of stdout and of stderr kept per command; the rest is counted.',
    ).default(1_000_000),
  })
  .describe('How agent commands run inside the sandbox.');

export const AgentSchema = z
  .strictObject({
    maxOutputTokens: positiveInt(
      'Maximum output tokens per model call (also the budget reservation).',
    ).default(4096),
    toolOutputChars: positiveInt(
      'Characters of a tool result shown to the model; the rest is cut, and said so.',
    ).default(16_000),
  })
  .describe('The agent step loop.');

export const ConfigSchema = z
  .strictObject({
    model: z
      .string()
      .min(1)
      .describe(
        'Model used when --model is not given: anthropic:MODEL, openai:MODEL, openai-compatible:MODEL@URL.',
      )
      .default('anthropic:claude-sonnet-4-6'),
    budget: BudgetSchema.prefault({}),
    sandbox: SandboxSchema.prefault({}),
    agent: AgentSchema.prefault({}),
  })
  .describe('Warden configuration (YAML or JSON).');

export type Config = z.output<typeof ConfigSchema>;
