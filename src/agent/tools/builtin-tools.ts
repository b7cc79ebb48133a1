import { shellTool } from './command-tools.ts';
import { editFileTool, listFilesTool, readFileTool, writeFileTool } from './file-tools.ts';
import { findSymbolTool, firstLookTool, searchTool } from './search-tools.ts';
import type { AnyToolDefinition } from './tool.ts';

/** The tools every agent gets, in the order the model sees them. */
export const BUILTIN_TOOLS: readonly AnyToolDefinition[] = [
  readFileTool,
  writeFileTool,
  editFileTool,
  listFilesTool,
  searchTool,
  findSymbolTool,
  firstLookTool,
  shellTool,
];
