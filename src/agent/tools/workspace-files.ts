import { realpathSync } from 'node:fs';
import { mkdir, opendir } from 'node:fs/promises';
import path from 'node:path';
import { openNoFollow, resolveInWorkspace } from '../../sandbox/index.ts';
import { SystemError, UserError, WardenError } from '../../spec/errors.ts';
import { SANDBOX_WORKDIR } from '../../spec/sandbox.ts';
import type { WorkspaceFiles } from './tool.ts';

/** Largest file the file tools read into memory. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules']);

/**
 * The file view the tools get: every path is resolved inside `workspaceDir` (symlinks included) and
 * opened without following a final symbolic link, so a link swapped in after the check is refused.
 * Writes to protected paths (`protectedPaths`, default `DEFAULT_PROTECTED_PATHS`) are refused with
 * `path-protected`, except those of a call a human approved (see `WorkspaceFiles.allowing`).
 */
export function createWorkspaceFiles(
  workspaceDir: string,
  protectedPaths?: readonly string[],
): WorkspaceFiles {
  return withoutHostPaths(workspaceDir, hostFiles(workspaceDir, protectedPaths, new Set()));
}

function hostFiles(
  workspaceDir: string,
  protectedPaths: readonly string[] | undefined,
  approvedPaths: ReadonlySet<string>,
): WorkspaceFiles {
  return {
    allowing: (paths) =>
      withoutHostPaths(workspaceDir, hostFiles(workspaceDir, protectedPaths, new Set(paths))),

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
      // The path exactly as the approved call named it; any other spelling is judged as usual.
      const options = { forWrite: true, protectedPaths, approved: approvedPaths.has(userPath) };
      const target = await resolveInWorkspace(workspaceDir, userPath, options);
      await mkdir(path.dirname(target), { recursive: true });
      // Resolve again: the parent directories now exist and one of them may have been a link.
      const checked = await resolveInWorkspace(workspaceDir, userPath, options);
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

/**
 * The same view, but an error the model sees never names a host path: the workspace's location on the
 * host (and so the data directory) is replaced by the sandbox's `/workspace`.
 */
function withoutHostPaths(workspaceDir: string, files: WorkspaceFiles): WorkspaceFiles {
  const hostRoots = [...new Set([path.resolve(workspaceDir), realOrSame(workspaceDir)])].sort(
    (left, right) => right.length - left.length,
  );
  const hide = (error: unknown): never => {
    const message = error instanceof Error ? error.message : String(error);
    let shown = message;
    for (const root of hostRoots) shown = shown.split(root).join(SANDBOX_WORKDIR);
    if (error instanceof WardenError && shown === message) throw error;
    if (error instanceof UserError)
      throw new UserError(error.code, shown, { hint: error.hint, cause: error });
    const code = error instanceof WardenError ? error.code : 'sandbox-failed';
    throw new SystemError(code, shown, { cause: error });
  };
  return {
    allowing: files.allowing,
    read: (userPath) => files.read(userPath).catch(hide),
    write: (userPath, content) => files.write(userPath, content).catch(hide),
    list: (userPath, limit) => files.list(userPath, limit).catch(hide),
  };
}

function realOrSame(directory: string): string {
  try {
    return realpathSync(directory);
  } catch {
    return path.resolve(directory);
  }
}
