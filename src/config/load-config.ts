import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../spec/errors.ts';
import { type Config, ConfigSchema } from './config-schema.ts';

/**
 * Parses configuration text (YAML or JSON, which is YAML). Throws `UserError('config-invalid')` that
 * names every bad field as `path.to.field: what is wrong`.
 */
export function parseConfig(text: string, source = 'config'): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new UserError('config-invalid', `${source}: not valid YAML or JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new UserError('config-invalid', `${source} is invalid:\n${formatIssues(result.error)}`, {
      hint: 'run `warden init` to see a commented starter config',
    });
  }
  return result.data;
}

/** Reads and parses a config file; `undefined` path means the defaults. */
export function loadConfig(path: string | undefined): Config {
  if (path === undefined) return ConfigSchema.parse({});
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(
      'config-invalid',
      `cannot read the config file ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return parseConfig(text, path);
}

/** One line per issue: `  budget.maxUsd: expected number, received string`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `  ${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`)
    .join('\n');
}
