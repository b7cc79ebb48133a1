import type { Config } from '../config/index.ts';
import { gitUrlOf } from '../forge/index.ts';
import type { UndoForge } from './audit-undo.ts';

/**
 * Where a task's result goes: the GitHub repository its trigger came from, else the configured forge's
 * repository, with its git remote (and GitHub's API); null without a forge.
 */
export function forgeTarget(config: Config, triggerRepository: string | undefined): UndoForge | null {
  const { forge } = config;
  if (forge.kind === 'github' && forge.github) {
    const repository = triggerRepository ?? `${forge.github.owner}/${forge.github.repo}`;
    return {
      repository,
      remote: `${gitUrlOf(forge.github)}/${repository}.git`,
      api: forge.github.apiUrl.replace(/\/+$/, ''),
    };
  }
  if (forge.kind === 'local' && forge.remote) return { repository: forge.remote, remote: forge.remote };
  return null;
}
