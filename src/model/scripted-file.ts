import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserError } from '../spec/index.ts';
import { describeIssues } from './internal/describe-issues.ts';

// Any number, on purpose: a scripted model must be able to lie about usage (negative, huge, fractional)
// so tests can prove that usage is validated where it is booked, not where it is read.
const tokens = z.number();

const usageSchema = z
  .strictObject({
    input_tokens: tokens.describe('input tokens that were neither read from nor written to a cache'),
    output_tokens: tokens.describe('output tokens'),
    cache_read_input_tokens: tokens.optional().describe('input tokens read from a prompt cache'),
    cache_creation_input_tokens: tokens.optional().describe('input tokens written to a prompt cache'),
    cache_creation: z
      .strictObject({
        ephemeral_5m_input_tokens: tokens.optional(),
        ephemeral_1h_input_tokens: tokens.optional(),
      })
      .optional()
      .describe('how the cache writes split between 5-minute and 1-hour lifetimes'),
  })
  .nullable()
  .describe(
    "the turn's token usage, in Anthropic's shape; absent means estimated from characters, null means the reply reports none",
  );

const toolCallSchema = z.strictObject({
  name: z.string().min(1).describe('the tool to call, e.g. shell'),
  input: z.record(z.string(), z.unknown()).default({}).describe('the arguments, a JSON object'),
});

const turnSchema = z
  .strictObject({
    text: z.string().optional().describe('what the model says'),
    tool_calls: z.array(toolCallSchema).min(1).optional().describe('the tools the model calls, in order'),
    usage: usageSchema.optional(),
  })
  .refine((turn) => turn.text !== undefined || turn.tool_calls !== undefined, {
    message: 'a turn needs text, tool_calls or both',
  });

const turnsSchema = z.array(turnSchema).min(1).describe('model replies, one per call, in order');

const scriptedFileSchema = z
  .strictObject({
    model: z
      .string()
      .regex(/^[a-z][a-z0-9-]*:\S+$/, 'expected a price key such as anthropic:claude-opus-4-7')
      .optional()
      .describe('the price-table entry to charge each turn as; absent means the turns cost nothing'),
    turns: turnsSchema.optional(),
    latencyMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .optional()
      .describe('milliseconds each reply waits before it is given, as a real model would take (default 0)'),
    roles: z
      .record(z.string().min(1), z.strictObject({ turns: turnsSchema }))
      .optional()
      .describe(
        "each role's own turns: a pipeline stage's name, an orchestrator's planner or worker:SUBTASK_ID",
      ),
  })
  .refine((file) => file.turns !== undefined || file.roles !== undefined, {
    message: 'a scripted file needs turns, roles or both',
  });

/** A scripted model file, validated. */
export type ScriptedFile = z.infer<typeof scriptedFileSchema>;

/** One scripted model reply. */
export type ScriptedTurn = NonNullable<ScriptedFile['turns']>[number];

/** A turn's usage as written in the file (Anthropic's field names). */
export type ScriptedUsage = NonNullable<ScriptedTurn['usage']>;

/**
 * Parses the text of a scripted model file. `.json` files are JSON; anything else is YAML (which also
 * accepts JSON). `path` only names the file in errors.
 *
 * @throws UserError `scripted-file-invalid` naming the file and each bad field (`turns.1.usage.input_tokens`).
 */
export function parseScriptedFile(text: string, path: string): ScriptedFile {
  let data: unknown;
  const format = extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML';
  try {
    data = format === 'JSON' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UserError(
      'scripted-file-invalid',
      `scripted model file ${path} is not valid ${format}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const result = scriptedFileSchema.safeParse(data);
  if (!result.success) {
    throw new UserError(
      'scripted-file-invalid',
      `scripted model file ${path} is invalid:\n${describeIssues(result.error)}`,
      {
        hint: 'a scripted file is {model?: "provider:model", turns?: [{text?, tool_calls?, usage?}, ...], roles?: {NAME: {turns: [...]}}}',
      },
    );
  }
  return result.data;
}

/**
 * Reads and parses a scripted model file (a path relative to the current directory).
 *
 * @throws UserError `path-not-found` when the file does not exist, `scripted-file-invalid` when it is malformed.
 */
export async function readScriptedFile(path: string): Promise<ScriptedFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UserError(
      missing ? 'path-not-found' : 'scripted-file-invalid',
      missing ? `scripted model file ${path} does not exist` : `cannot read scripted model file ${path}`,
      { cause: error, hint: missing ? `check the path after "scripted:" (${basename(path)})` : undefined },
    );
  }
  return parseScriptedFile(text, path);
}

/**
 * The turns a role replays: its own under `roles`, else the file's `turns`. `role` undefined: the
 * file's `turns` (a single loop).
 *
 * @throws UserError `scripted-file-invalid` when the file has none for `role`.
 */
export function scriptedTurnsFor(script: ScriptedFile, path: string, role?: string): readonly ScriptedTurn[] {
  const own = role === undefined ? undefined : script.roles?.[role]?.turns;
  const turns = own ?? script.turns;
  if (!turns) {
    const roles = Object.keys(script.roles ?? {}).join(', ');
    throw new UserError(
      'scripted-file-invalid',
      `scripted model file ${path} has no turns for ${role === undefined ? 'a single loop' : `the role ${role}`}`,
      {
        hint: `add top-level turns, or turns under roles.${role ?? 'NAME'} (it has roles: ${roles || 'none'})`,
      },
    );
  }
  return turns;
}
