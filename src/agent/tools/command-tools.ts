import { z } from 'zod';
import type { ExecResult } from '../../spec/sandbox.ts';
import type { ToolDefinition, ToolResult } from './tool.ts';

const ShellInput = z.strictObject({
  command: z.string().min(1).describe('A shell command, run with /bin/sh -c in the repository root.'),
  timeout_ms: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Kill the command after this many milliseconds.'),
});

export const shellTool: ToolDefinition<z.infer<typeof ShellInput>> = {
  name: 'shell',
  description:
    'Run a shell command in the repository root inside a sandbox with no network. Use it to run tests, builds and git read commands.',
  input: ShellInput,
  async run(input, context) {
    const timeoutMs = Math.min(input.timeout_ms ?? context.commandTimeoutMs, context.maxCommandTimeoutMs);
    const result = await context.exec(input.command, { timeoutMs });
    return formatExec(result, timeoutMs);
  },
};

/** Quotes text for /bin/sh so it is one literal word. */
export function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function formatExec(result: ExecResult, timeoutMs: number): ToolResult {
  const parts: string[] = [];
  if (result.timedOut) parts.push(`command timed out after ${timeoutMs} ms and was killed`);
  else if (result.exitCode === null) parts.push(`command killed by signal ${result.signal}`);
  else parts.push(`exit code ${result.exitCode}`);
  const limits = result.limitsExceeded.filter((limit) => limit !== 'wall-time' && limit !== 'output');
  if (limits.length > 0) parts.push(`[sandbox limits reached: ${limits.join(', ')}]`);
  if (result.truncated) {
    parts.push(`[output capped: stdout was ${result.stdoutBytes} bytes, stderr ${result.stderrBytes} bytes]`);
  }
  if (result.stdout) parts.push(`[stdout]\n${result.stdout}`);
  if (result.stderr) parts.push(`[stderr]\n${result.stderr}`);
  return { output: parts.join('\n'), isError: result.exitCode !== 0, exitCode: result.exitCode };
}
