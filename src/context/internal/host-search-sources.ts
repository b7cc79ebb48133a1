import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, open } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { walkWorkspace } from '../workspace-walk.ts';
import type { SearchableFiles } from './javascript-engine.ts';
import type { RipgrepOutput, RipgrepRunner } from './ripgrep-engine.ts';

/** `rg` on this process's PATH, or undefined. */
export async function findRipgrep(searchPath = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const directory of searchPath.split(path.delimiter)) {
    if (directory === '') continue;
    const candidate = path.join(directory, 'rg');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/** Runs `executable` in `root`, reading its JSON lines as they come and stopping it at the line cap. */
export function hostRipgrep(executable: string, root: string): RipgrepRunner {
  return (args, limits) =>
    new Promise<RipgrepOutput>((resolve, reject) => {
      const child = spawn(executable, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      const lines: string[] = [];
      let stderr = '';
      let stopped = false;
      let timedOut = false;
      const stop = () => {
        stopped = true;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, limits.timeoutMs);
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        if (stderr.length < 64 * 1024) stderr += chunk;
      });
      const reader = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
      reader.on('line', (line) => {
        if (stopped) return;
        lines.push(line);
        if (lines.length >= limits.maxLines) stop();
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ lines, exitCode: stopped ? null : code, stderr, timedOut });
      });
    });
}

/** The root's files as the walk lists them, read without following a link. */
export function hostSearchableFiles(root: string): SearchableFiles {
  return {
    async list(options) {
      const walk = await walkWorkspace(root, options);
      return { files: walk.files.map((file) => file.path), truncated: walk.truncated };
    },
    async read(relative) {
      let handle: Awaited<ReturnType<typeof open>> | undefined;
      try {
        handle = await open(
          path.join(root, relative),
          constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
        );
        const stats = await handle.stat();
        return stats.isFile() ? await handle.readFile() : undefined;
      } catch {
        return undefined;
      } finally {
        await handle?.close();
      }
    },
  };
}
