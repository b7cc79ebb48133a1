import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../spec/errors.ts';
import { AgentDefinitionSchema } from './agents-schema.ts';
import { type Config, ConfigSchema } from './config-schema.ts';

/**
 * Parses configuration text (YAML or JSON, which is YAML). Throws `UserError('config-invalid')` that
 * names every bad field as `path.to.field: what is wrong`.
 */
export function parseConfig(text: string, source = 'config'): Config {
  return validateConfig(parseText(text, source), source);
}

function parseText(text: string, source: string): unknown {
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    throw new UserError('config-invalid', `${source}: not valid YAML or JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function validateConfig(raw: unknown, source: string): Config {
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new UserError('config-invalid', `${source} is invalid:\n${formatIssues(result.error)}`, {
      hint: 'run `warden init` to see a commented starter config',
    });
  }
  return result.data;
}

/**
 * Reads and parses a config file, with the agents declared one per file in the `agents/` directory
 * beside it (`agents/NAME.yaml`, `.yml` or `.json`: the file name is the agent's name); `undefined`
 * path means the defaults.
 */
export function loadConfig(file: string | undefined): Config {
  if (file === undefined) return validateConfig(withBuiltinAgents({}), 'the defaults');
  const raw = parseText(readText(file), file);
  return validateConfig(
    withBuiltinAgents(withAgentFiles(raw, path.join(path.dirname(file), 'agents'))),
    file,
  );
}

/** Where the built-in agents are declared, one file each (`fix-ci.yaml`, `reviewer.yaml`, …). */
export const BUILTIN_AGENTS_DIR = fileURLToPath(new URL('../../builtin-agents/', import.meta.url));

/**
 * `raw` with the built-in agents (`builtin-agents/NAME.yaml`) under `agents`, each unless the config
 * declares an agent of its name (the user's replaces it whole).
 */
function withBuiltinAgents(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const config = raw as Record<string, unknown>;
  const inline = config.agents;
  if (inline !== undefined && (typeof inline !== 'object' || inline === null || Array.isArray(inline)))
    return raw;
  const agents: Record<string, unknown> = { ...(inline as Record<string, unknown> | undefined) };
  for (const name of readdirSync(BUILTIN_AGENTS_DIR)
    .filter((file) => file.endsWith('.yaml'))
    .sort()) {
    const agent = name.slice(0, -'.yaml'.length);
    if (!Object.hasOwn(agents, agent)) {
      agents[agent] = parseText(readFileSync(path.join(BUILTIN_AGENTS_DIR, name), 'utf8'), name);
    }
  }
  return { ...config, agents };
}

/**
 * `raw` with each agent file of `dir` under `agents`. A file that is not valid YAML, or names an
 * agent the config already declares, is an error naming the file.
 */
function withAgentFiles(raw: unknown, dir: string): unknown {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((name) => /\.(ya?ml|json)$/i.test(name))
      .sort();
  } catch {
    return raw;
  }
  if (names.length === 0 || typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const config = raw as Record<string, unknown>;
  const inline = config.agents;
  const agents: Record<string, unknown> =
    typeof inline === 'object' && inline !== null && !Array.isArray(inline) ? { ...inline } : {};
  for (const name of names) {
    const file = path.join(dir, name);
    const agent = name.replace(/\.(ya?ml|json)$/i, '');
    if (Object.hasOwn(agents, agent)) {
      throw new UserError(
        'config-invalid',
        `${file}: agent ${agent} is also declared under agents: in the config`,
        {
          hint: 'declare each agent once: in the config or in its own file',
        },
      );
    }
    const definition = parseText(readText(file, 'the agent file'), file);
    const checked = AgentDefinitionSchema.safeParse(definition);
    if (!checked.success) {
      throw new UserError('config-invalid', `${file} is invalid:\n${formatIssues(checked.error)}`, {
        hint: 'an agent file holds the fields of one agent (see `warden agents` and the README)',
      });
    }
    agents[agent] = definition;
  }
  return { ...config, agents };
}

function readText(file: string, what = 'the config file'): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError('config-invalid', `cannot read ${what} ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** One line per issue: `  budget.maxUsd: expected number, received string`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `  ${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`)
    .join('\n');
}
