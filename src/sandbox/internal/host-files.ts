import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { openNoFollow, resolveInWorkspace } from '../safe-path.ts';

/**
 * Reads and writes workspace files from the host, for drivers whose workspace is a host directory:
 * paths resolved inside the workspace (symbolic links included), opened without following a final
 * link, writes refused on protected paths.
 */
export function createHostFiles(workspaceDir: string, protectedPaths: readonly string[]) {
  return {
    async readFile(userPath: string): Promise<Buffer> {
      const target = await resolveInWorkspace(workspaceDir, userPath, { forWrite: false });
      const handle = await openNoFollow(target, 'read');
      try {
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    },
    async writeFile(userPath: string, content: string | Uint8Array): Promise<void> {
      const options = { forWrite: true, protectedPaths };
      const target = await resolveInWorkspace(workspaceDir, userPath, options);
      await mkdir(path.dirname(target), { recursive: true });
      // Resolve again: the parent directories now exist and one of them may have been a link.
      const handle = await openNoFollow(await resolveInWorkspace(workspaceDir, userPath, options), 'write');
      try {
        await handle.writeFile(content);
      } finally {
        await handle.close();
      }
    },
  };
}
