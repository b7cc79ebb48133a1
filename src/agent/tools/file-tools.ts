import { isUtf8 } from 'node:buffer';
import { z } from 'zod';
import type { ToolDefinition } from './tool.ts';

const MAX_READ_LINES = 2000;

/** File tools touch one file or walk one tree on the host; anything slower than this is stuck. */
export const FILE_TOOL_TIMEOUT_MS = 30_000;

const ReadFileInput = z.strictObject({
  path: z.string().min(1).describe('File path, relative to the repository root.'),
  offset: z.number().int().min(1).optional().describe('First line to read (1-based).'),
  limit: z.number().int().min(1).optional().describe(`Number of lines to read (at most ${MAX_READ_LINES}).`),
});

export const readFileTool: ToolDefinition<z.infer<typeof ReadFileInput>> = {
  name: 'read_file',
  timeoutMs: FILE_TOOL_TIMEOUT_MS,
  description: 'Read a text file of the repository, with line numbers. Use offset and limit for long files.',
  input: ReadFileInput,
  async run(input, context) {
    const bytes = await context.files.read(input.path);
    if (looksBinary(bytes))
      return { output: `${input.path} is a binary file (${bytes.length} bytes); not shown.`, isError: false };
    const decoded = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    const lines = decoded.split('\n');
    const start = (input.offset ?? 1) - 1;
    const count = Math.min(input.limit ?? MAX_READ_LINES, MAX_READ_LINES);
    const shown = lines.slice(start, start + count);
    const numbered = shown
      .map((line, index) => `${String(start + index + 1).padStart(6)}\t${line}`)
      .join('\n');
    const notes: string[] = [];
    if (decoded.includes('\uFFFD') && !isValidUtf8(bytes))
      notes.push('[file is not valid UTF-8; bad bytes shown as \uFFFD]');
    if (start + count < lines.length) {
      notes.push(
        `[showing lines ${start + 1}-${start + shown.length} of ${lines.length}; use offset to read more]`,
      );
    }
    if (shown.length === 0)
      notes.push(`[the file has ${lines.length} lines; offset ${start + 1} is past the end]`);
    return { output: [numbered, ...notes].filter(Boolean).join('\n'), isError: false };
  },
};

const WriteFileInput = z.strictObject({
  path: z.string().min(1).describe('File path, relative to the repository root.'),
  content: z.string().describe('The whole new content of the file.'),
});

export const writeFileTool: ToolDefinition<z.infer<typeof WriteFileInput>> = {
  name: 'write_file',
  timeoutMs: FILE_TOOL_TIMEOUT_MS,
  description: 'Create a file or replace its whole content. Parent directories are created.',
  input: WriteFileInput,
  writesPaths: (input) => [input.path],
  async run(input, context) {
    await context.files.write(input.path, input.content);
    return { output: `wrote ${Buffer.byteLength(input.content)} bytes to ${input.path}`, isError: false };
  },
};

const EditFileInput = z.strictObject({
  path: z.string().min(1).describe('File path, relative to the repository root.'),
  old_string: z.string().min(1).describe('Exact text to replace; it must occur exactly once in the file.'),
  new_string: z.string().describe('Replacement text.'),
});

export const editFileTool: ToolDefinition<z.infer<typeof EditFileInput>> = {
  name: 'edit_file',
  timeoutMs: FILE_TOOL_TIMEOUT_MS,
  description: 'Replace one exact occurrence of old_string with new_string in a file.',
  input: EditFileInput,
  writesPaths: (input) => [input.path],
  async run(input, context) {
    const bytes = await context.files.read(input.path);
    if (looksBinary(bytes))
      return { output: `${input.path} is a binary file; edit_file works on text`, isError: true };
    const text = bytes.toString('utf8');
    const first = text.indexOf(input.old_string);
    if (first === -1) {
      return {
        output: `old_string was not found in ${input.path}; read the file and copy the text exactly`,
        isError: true,
      };
    }
    if (text.indexOf(input.old_string, first + 1) !== -1) {
      return {
        output: `old_string occurs more than once in ${input.path}; include more surrounding lines to make it unique`,
        isError: true,
      };
    }
    const updated = text.slice(0, first) + input.new_string + text.slice(first + input.old_string.length);
    await context.files.write(input.path, updated);
    const line = text.slice(0, first).split('\n').length;
    return { output: `edited ${input.path} at line ${line}`, isError: false };
  },
};

const MAX_LISTED = 500;

const ListFilesInput = z.strictObject({
  path: z
    .string()
    .optional()
    .describe('Directory to list, relative to the repository root (default: the root).'),
});

export const listFilesTool: ToolDefinition<z.infer<typeof ListFilesInput>> = {
  name: 'list_files',
  timeoutMs: FILE_TOOL_TIMEOUT_MS,
  description: 'List the files under a directory, recursively (skips .git and node_modules).',
  input: ListFilesInput,
  async run(input, context) {
    const { files, total } = await context.files.list(input.path ?? '.', MAX_LISTED);
    const more =
      total > files.length ? `\n[showing ${files.length} of ${total} files; list a subdirectory]` : '';
    return { output: files.length === 0 ? '(no files)' : files.join('\n') + more, isError: false };
  },
};

function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
}

/** Whether `bytes` are valid UTF-8 (a file may hold U+FFFD itself); checked natively, not decoded again. */
function isValidUtf8(bytes: Buffer): boolean {
  return isUtf8(bytes);
}
