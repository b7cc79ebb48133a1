// Builds the example suite's repositories: each folder of `sources/` becomes a git repository with one
// commit, made with a fixed author, date and message so that its id is the same on every machine (the
// `base_commit` that suite.jsonl names). Run: node examples/eval/build-repos.ts [TARGET_DIR]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXED = {
  GIT_AUTHOR_NAME: 'Example Maintainer',
  GIT_AUTHOR_EMAIL: 'maintainer@example.com',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_NAME: 'Example Maintainer',
  GIT_COMMITTER_EMAIL: 'maintainer@example.com',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};
const SAFE = ['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgSign=false', '-c', 'core.autocrlf=false'];

/** Builds every example repository under `target` (default `examples/eval/repos`); returns their paths. */
export function buildExampleRepositories(target = path.join(HERE, 'repos')): string[] {
  const built: string[] = [];
  for (const name of readdirSync(path.join(HERE, 'sources')).sort()) {
    const repo = path.join(target, name);
    if (existsSync(repo)) rmSync(repo, { recursive: true, force: true });
    mkdirSync(repo, { recursive: true });
    cpSync(path.join(HERE, 'sources', name), repo, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', [...SAFE, ...args], { cwd: repo, env: { ...process.env, ...FIXED }, stdio: 'pipe' });
    git('init', '--quiet', '--initial-branch=main');
    git('add', '-A');
    git('commit', '--quiet', '--no-verify', '-m', `${name}: the release before the fix`);
    built.push(repo);
  }
  return built;
}

if (import.meta.main) {
  for (const repo of buildExampleRepositories(process.argv[2])) console.log(repo);
}
