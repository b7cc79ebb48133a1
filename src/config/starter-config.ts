import { z } from 'zod';
import { ConfigSchema } from './config-schema.ts';

/**
 * The commented starter config `warden init` writes: every field with its default, its description
 * as a comment. Generated from the schema so the two never disagree.
 */
export function starterConfig(): string {
  const defaults = ConfigSchema.parse({}) as Record<string, unknown>;
  const lines = ['# Warden configuration. Every field is optional; shown here with its default.', ''];
  for (const [key, schema] of Object.entries(ConfigSchema.shape)) {
    lines.push(...comment(describe(schema), ''));
    const value = defaults[key];
    const inner = unwrap(schema);
    if (typeof value === 'object' && value !== null && inner instanceof z.ZodObject) {
      lines.push(`${key}:`);
      for (const [field, fieldSchema] of Object.entries(inner.shape)) {
        lines.push(...comment(describe(fieldSchema as z.ZodType), '  '));
        lines.push(`  ${field}: ${JSON.stringify((value as Record<string, unknown>)[field])}`);
      }
    } else {
      lines.push(`${key}: ${JSON.stringify(value)}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (
    current instanceof z.ZodDefault ||
    current instanceof z.ZodPrefault ||
    current instanceof z.ZodOptional
  ) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/** A description may sit on the wrapper (`.default().describe()`) or inside it (`.describe().default()`). */
function describe(schema: z.ZodType): string | undefined {
  return schema.description ?? unwrap(schema).description;
}

function comment(text: string | undefined, indent: string): string[] {
  return text ? [`${indent}# ${text}`] : [];
}
