import { z } from 'zod';
import type { ToolDefinition } from './tool.ts';

const RecallInput = z.strictObject({
  call_id: z
    .string()
    .min(1)
    .max(200)
    .describe('The id of the earlier tool call whose output was dropped, as its stub names it.'),
});

/**
 * Shows again the output of an earlier tool call of this conversation as the model saw it then, read
 * from the task's journal: what compaction replaced by a stub comes back without running anything again
 * (a test run, a command with effects). Given to a loop only when its agent compacts.
 */
export const recallOutputTool: ToolDefinition<z.infer<typeof RecallInput>> = {
  name: 'recall_output',
  description:
    'Show again the output of an earlier tool call whose output was dropped from the conversation (its stub names the call id). Runs nothing.',
  input: RecallInput,
  async run(input, context) {
    const recalled = await context.recall?.(input.call_id);
    if (recalled === undefined)
      return {
        output: `recall_output: no output of a call "${input.call_id}" in this task's journal; call the tool again instead`,
        isError: true,
      };
    return {
      output: `[output of ${recalled.tool} call ${input.call_id}, as it was]\n${recalled.output}`,
      isError: recalled.isError,
    };
  },
};
