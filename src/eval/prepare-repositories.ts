import { createHash } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { type ResolvedRepository, resolveRepository, runGit } from '../sandbox/index.ts';
import { UserError } from '../spec/errors.ts';
import type { EvalInstance } from './eval-suite.ts';

/**
 * The repository each instance is evaluated on, by instance id. A `repo_path` is used where it is (it is
 * only read) unless an agent runs: the agent's result branches then go to a clone the run owns under
 * `reposDir`, never into the user's repository. A `repo_url` is cloned into `reposDir` once, and reused
 * by a rerun.
 *
 * @throws UserError `repo-invalid` for a repository that cannot be found or cloned, or lacks a base commit.
 */
export async function prepareRepositories(
  instances: readonly EvalInstance[],
  reposDir: string,
  ownClone: boolean,
): Promise<Map<string, ResolvedRepository>> {
  const bySource = new Map<string, Promise<ResolvedRepository>>();
  const result = new Map<string, ResolvedRepository>();
  for (const instance of instances) {
    const source = 'path' in instance.source ? instance.source.path : instance.source.url;
    let prepared = bySource.get(source);
    if (prepared === undefined) {
      prepared =
        'path' in instance.source && !ownClone
          ? resolveRepository(instance.source.path)
          : cloneOnce(source, path.join(reposDir, cloneName(instance.repo, source)));
      bySource.set(source, prepared);
    }
    const repository = await prepared;
    await requireCommit(repository, instance);
    result.set(instance.instanceId, repository);
  }
  return result;
}

function cloneName(repo: string, source: string): string {
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 10);
  return `${repo.replace(/[^\w.-]+/g, '__')}-${hash}`;
}

async function cloneOnce(source: string, dir: string): Promise<ResolvedRepository> {
  const exists = await access(path.join(dir, '.git')).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await mkdir(path.dirname(dir), { recursive: true });
    const partial = `${dir}.partial`;
    await rm(partial, { recursive: true, force: true });
    const remote = /^https?:\/\//.test(source);
    try {
      await runGit(['clone', '--quiet', '--no-hardlinks', source, partial], {
        cwd: path.dirname(dir),
        ...(remote ? { network: { url: source, authorization: '' } } : {}),
      });
    } catch (error) {
      throw new UserError('repo-invalid', `cannot clone ${source}: ${(error as Error).message}`, {
        cause: error,
        hint: 'check repo_path / repo_url in the suite (a local repository works offline)',
      });
    }
    await rename(partial, dir);
  }
  return await resolveRepository(dir);
}

async function requireCommit(repository: ResolvedRepository, instance: EvalInstance): Promise<void> {
  const found = await runGit(['cat-file', '-e', `${instance.baseCommit}^{commit}`], {
    cwd: repository.root,
    acceptExitCodes: [1, 128],
  });
  if (found.exitCode !== 0) {
    throw new UserError(
      'repo-invalid',
      `${instance.instanceId}: ${repository.root} has no commit ${instance.baseCommit}`,
      { hint: 'point repo_path / repo_url at a repository that holds base_commit' },
    );
  }
}
