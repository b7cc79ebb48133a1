import { mkdir, opendir } from 'node:fs/promises';
import path from 'node:path';
import { openNoFollow, resolveInWorkspace } from '../../sandbox/index.ts';
import { UserError } from '../../spec/errors.ts';
import type { WorkspaceFiles } from './tool.ts';

/** Largest file the file tools read into memory. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules']);

/**
 * The file view the tools get: every path is resolved inside `workspaceDir` (symlinks included) and
 * opened without following a final symbolic link, so a link swapped in after the check is refused.
 * Writes to protected paths (`protectedPaths`, default `DEFAULT_PROTECTED_PATHS`) are refused with
 * `path-protected`.
 */
export function createWorkspaceFiles(
  workspaceDir: string,
  protectedPaths?: readonly string[],
): WorkspaceFiles {
  return {
    async read(userPath) {
      const target = await resolveInWorkspace(workspaceDir, userPath, { forWrite: false });
      const handle = await openNoFollow(target, 'read');
      try {
        const { size } = await handle.stat();
        if (size > MAX_FILE_BYTES) {
          throw new UserError(
            'usage',
            `${userPath} is ${size} bytes; the file tools read at most ${MAX_FILE_BYTES}`,
            {
              hint: 'use the shell tool (head, sed -n) for a part of it',
            },
          );
        }
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    },

    async write(userPath, content) {
      const target = await resolveInWorkspace(workspaceDir, userPath, { forWrite: true, protectedPaths });
      await mkdir(path.dirname(target), { recursive: true });
      // Resolve again: the parent directories now exist and one of them may have been a link.
      const checked = await resolveInWorkspace(workspaceDir, userPath, { forWrite: true, protectedPaths });
      const handle = await openNoFollow(checked, 'write');
      try {
        await handle.writeFile(content, 'utf8');
      } finally {
        await handle.close();
      }
    },

    async list(userPath, limit) {
      const root = await resolveInWorkspace(workspaceDir, '.', { forWrite: false });
      const start = await resolveInWorkspace(workspaceDir, userPath, { forWrite: false });
      const files: string[] = [];
      let total = 0;
      const walk = async (directory: string): Promise<void> => {
        let entries: Awaited<ReturnType<typeof opendir>>;
        try {
          entries = await opendir(directory);
        } catch (error) {
          if (directory === start) {
            throw new UserError('path-not-found', `${userPath}: not a directory in the workspace`, {
              cause: error,
            });
          }
          return;
        }
        const children: { name: string; isDirectory: boolean }[] = [];
        for await (const entry of entries)
          children.push({ name: entry.name, isDirectory: entry.isDirectory() });
        children.sort((left, right) => left.name.localeCompare(right.name));
        for (const child of children) {
          const full = path.join(directory, child.name);
          if (child.isDirectory) {
            if (!SKIPPED_DIRECTORIES.has(child.name)) await walk(full);
          } else {
            total += 1;
            if (files.length < limit) files.push(path.relative(root, full));
          }
        }
      };
      await walk(start);
      return { files, total };
    },
  };
}
