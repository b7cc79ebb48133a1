import type { z } from 'zod';
import type { ExecResult } from '../../spec/sandbox.ts';

/**
 * The narrowed view of the workspace that file tools get: every path is workspace-relative (or under
 * `/workspace`), resolved with symlinks before use, and refused when it leaves the workspace.
 */
export interface WorkspaceFiles {
  /** The file's bytes. Throws `path-outside-workspace` or `path-not-found`. */
  read(path: string): Promise<Buffer>;
  /** Creates or replaces the file (and its parent directories). Refuses protected paths and escapes. */
  write(path: string, content: string): Promise<void>;
  /** Workspace-relative paths of files under `path`, sorted, `.git` and `node_modules` skipped. */
  list(path: string, limit: number): Promise<{ files: string[]; total: number }>;
  /**
   * The same view, for one call a human approved: `write` also takes these exact paths (as the call
   * names them) when they are protected. `.git` stays refused, and so does a link that leads an approved
   * path to another protected one. Undefined: this view grants nothing (the write is refused as usual).
   */
  allowing?(paths: readonly string[]): WorkspaceFiles;
}

/** What a tool may touch while it runs. */
export interface ToolContext {
  files: WorkspaceFiles;
  /** Runs a command inside the sandbox with the workspace as its cwd. */
  exec: (command: string, options: { timeoutMs: number }) => Promise<ExecResult>;
  commandTimeoutMs: number;
  maxCommandTimeoutMs: number;
  /**
   * The output of an earlier tool call of this loop's conversation (by its id), as the model saw it,
   * from the task's journal; undefined when there is none. Absent: nothing can be recalled.
   */
  recall?: (toolCallId: string) => Promise<{ tool: string; output: string; isError: boolean } | undefined>;
}

/** A tool's answer. `isError` results still go back to the model, which can correct itself. */
export interface ToolResult {
  output: string;
  isError: boolean;
  /** For commands: the exit code, `null` when killed. */
  exitCode?: number | null;
}

export interface ToolDefinition<Input = unknown> {
  name: string;
  description: string;
  input: z.ZodType<Input>;
  /**
   * Most milliseconds a call may take before it is abandoned as failed; undefined: bounded only by the
   * task's wall time (commands have their own timeout inside the sandbox).
   */
  timeoutMs?: number;
  /**
   * The workspace paths a call writes, as its input names them: what a human's approval of the call
   * lets it write even when protected. Undefined: the tool writes no file by path (an approval then
   * lifts no protection).
   */
  writesPaths?(input: Input): string[];
  run(input: Input, context: ToolContext): Promise<ToolResult>;
}

/** Lets a list hold tools of different input types. */
// biome-ignore lint/suspicious/noExplicitAny: each tool checks its own input with its schema before running.
export type AnyToolDefinition = ToolDefinition<any>;
