import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSecretScanner } from '../src/guard/index.ts';
import { createWorkspace, readAddedLines } from '../src/sandbox/index.ts';
import { runCommand } from './run-command.ts';
import { summarize } from './stats.ts';

/** A line of ordinary code, different on every line (names, numbers, a string, a URL now and then). */
function codeLine(index: number): string {
  switch (index % 5) {
    case 0:
      return `  const total${index} = items.filter((item) => item.count > ${index % 97}).length;`;
    case 1:
      return `  logger.info("processed batch ${index} of ${index * 3}", { batch: ${index}, retry: false });`;
    case 2:
      return `  if (response.status === ${200 + (index % 5)}) return fetchPage("https://example.com/api/v2/items?page=${index}");`;
    case 3:
      return `  // Keep the order stable: entry ${index} depends on entry ${index - 1}.`;
    default:
      return `  export function handle${index}(request: Request): Promise<Response> { return route(request, ${index}); }`;
  }
}

/**
 * (z) The secret scan's added latency per 1,000 changed lines, against committing the same change
 * alone, as a ratio of medians. The change: `lines` new lines of code over 10 files in a workspace made
 * by `createWorkspace`. The commit is `workspace.commit` (the result commit in the private git
 * directory, as `createBranch` makes it before landing); the scan is what `createBranch` adds before it
 * lands: reading the commit's added lines (`readAddedLines`) and scanning them (`scanLines`: secretlint's
 * recommended rules and the entropy detector). secretlint's first load is timed apart; then interleaved
 * rounds.
 */
export async function benchSecretScan(lines = 1000, rounds = 15) {
  const workDir = mkdtempSync(path.join(tmpdir(), 'warden-bench-secret-scan-'));
  try {
    const repo = path.join(workDir, 'repo');
    await mkdir(repo);
    writeFileSync(path.join(repo, 'README.md'), '# bench\n');
    await runCommand('git', ['init', '--quiet', '--initial-branch=main'], { cwd: repo });
    await runCommand('git', ['add', '.'], { cwd: repo });
    await runCommand(
      'git',
      ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '--quiet', '-m', 'first'],
      { cwd: repo },
    );
    const workspace = await createWorkspace({
      repo,
      scratchDir: path.join(workDir, 'scratch'),
      taskId: 'bench',
    });
    await workspace.ready;
    const files = 10;
    await mkdir(path.join(workspace.dir, 'src'));
    for (let file = 0; file < files; file++) {
      const body: string[] = [];
      for (let line = 0; line < lines / files; line++) body.push(codeLine(file * 10_000 + line));
      writeFileSync(path.join(workspace.dir, 'src', `module-${file}.ts`), `${body.join('\n')}\n`);
    }
    const scanner = createSecretScanner({ salt: 'bench' });
    const loadStarted = performance.now();
    await scanner.scanLines([{ file: 'a.ts', line: 1, text: 'warm' }]);
    const loadMs = performance.now() - loadStarted;

    const commitMs: number[] = [];
    const scanMs: number[] = [];
    let findings = 0;
    for (let round = 0; round < rounds + 1; round++) {
      const committed = performance.now();
      const made = await workspace.commit('bench');
      const commitTook = performance.now() - committed;
      const scanned = performance.now();
      const added = await readAddedLines(made.gitDir, made.commit!);
      findings = (await scanner.scanLines(added)).length;
      const scanTook = performance.now() - scanned;
      if (added.length !== lines) throw new Error(`expected ${lines} added lines, read ${added.length}`);
      // The first round warms both paths.
      if (round === 0) continue;
      commitMs.push(commitTook);
      scanMs.push(scanTook);
    }
    await workspace.destroy();
    const commit = summarize(commitMs).median;
    const scan = summarize(scanMs).median;
    return { lines, loadMs, commitMs: commit, scanMs: scan, ratio: scan / commit, findings };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

export function describeSecretScan(result: Awaited<ReturnType<typeof benchSecretScan>>): string {
  return `(z) secret scan of ${result.lines} changed lines ${result.scanMs.toFixed(1)} ms (read added lines + secretlint + entropy) vs the workspace commit alone ${result.commitMs.toFixed(1)} ms: ratio ${result.ratio.toFixed(2)} (secretlint's first load ${result.loadMs.toFixed(0)} ms, once per process; ${result.findings} findings)`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const lines of [1000, 10_000]) console.log(describeSecretScan(await benchSecretScan(lines)));
}
