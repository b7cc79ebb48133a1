import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../src/cli/main.ts';

/** A git repository at `<home>/repo` with one commit holding `files`; returns its path. */
export function benchRepository(home: string, files: Record<string, string>): string {
  const repo = path.join(home, 'repo');
  mkdirSync(repo);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(repo, name), content);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', ...args], {
      cwd: repo,
      stdio: 'pipe',
    });
  git('init', '--quiet');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'base');
  return repo;
}

/** `warden run` in this process with `args` (data in `home`); its wall time in ms. Throws unless it exits 0. */
export async function timedRun(home: string, args: readonly string[]): Promise<number> {
  let output = '';
  const started = performance.now();
  const code = await main(['run', ...args, '--json', '--data-dir', home], {
    out: (text) => (output += text),
    err: () => {},
    interactive: false,
    env: process.env,
    cwd: home,
  });
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`the run failed (exit ${code}): ${output}`);
  return wallMs;
}

/** The pair whose ratio `a / b` is the median of the pairs. */
export function medianPair<T extends { a: number; b: number }>(pairs: T[]): T {
  const sorted = [...pairs].sort((x, y) => x.a / x.b - y.a / y.b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
