import { z } from 'zod';
import type { ModelTool } from '../../model/index.ts';
import type { AnyToolDefinition } from '../tools/tool.ts';

/** The tools as the model is shown them: each one's description and the JSON Schema of its input. */
export function toolSchemasOf(tools: readonly AnyToolDefinition[]): Record<string, ModelTool> {
  return Object.fromEntries(
    tools.map((tool) => [
      tool.name,
      { description: tool.description, inputSchema: z.toJSONSchema(tool.input) as Record<string, unknown> },
    ]),
  );
}
