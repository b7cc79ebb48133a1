import { withoutIgnored } from './internal/gitignore-rules.ts';
import type { SearchableFiles } from './internal/javascript-engine.ts';

/** The part of a confined workspace view that searching needs (the agent tools' `WorkspaceFiles`). */
export interface ReadOnlyWorkspaceView {
  /** Throws for a path outside the view (a link that leaves it included). */
  read(path: string): Promise<Buffer>;
  list(path: string, limit: number): Promise<{ files: string[]; total: number }>;
}

/**
 * Searchable files read only through `view`, so a search run for the agent sees exactly what its
 * file tools see. The same selection as a walk: `.gitignore` files (read through the view) and globs
 * decide; binaries and files over the size cap are dropped when read. A file the view refuses (a link
 * out of the workspace) is skipped.
 */
export function createViewSearchableFiles(view: ReadOnlyWorkspaceView): SearchableFiles {
  const read = async (path: string): Promise<Buffer | undefined> => {
    try {
      return await view.read(path);
    } catch {
      return undefined;
    }
  };
  return {
    read,
    async list({ maxFiles, select }) {
      const listed = await view.list('.', maxFiles);
      const paths = listed.files.filter((path) => !path.split('/').includes('.git'));
      const notIgnored = new Set(
        await withoutIgnored(paths, async (file) =>
          (await read(file))?.subarray(0, 256 * 1024).toString('utf8'),
        ),
      );
      const files = paths.filter((path) => {
        if (select === undefined) return notIgnored.has(path);
        const parts = path.split('/');
        for (let depth = 1; depth < parts.length; depth += 1) {
          if (select(parts.slice(0, depth).join('/'), true) === 'exclude') return false;
        }
        const decision = select(path, false);
        return decision === undefined ? notIgnored.has(path) : decision === 'include';
      });
      return { files, truncated: listed.total > listed.files.length };
    },
  };
}
