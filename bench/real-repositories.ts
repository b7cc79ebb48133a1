// The real-repository figures of `npm run bench` ((i) to (l)); run alone with `node bench/real-repositories.ts`.
import { chooseEntry } from '../bin/choose-entry.ts';
import { benchGitStatus } from './git-status.ts';
import { benchLargeRepository, benchSmallRepository } from './repository-runs.ts';
import type { WardenVsBareResult } from './warden-vs-bare.ts';

const format = (value: number, digits = 1) => value.toFixed(digits);
const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;
/** The paired run's figures, then where Warden's time went (from its journal). */
const describeRun = (run: WardenVsBareResult) => {
  const { split } = run;
  return [
    `\`warden run\` ${ms(run.wardenMs)} vs the same operations bare ${ms(run.bareMs)}: median of ${run.pairs} paired ratios ${format(run.ratio, 2)}`,
    `    Warden's time: start-up ${ms(split.startUpMs)}, workspace ${ms(split.workspaceMs)} (vs a bare clone ${ms(run.bareCloneMs)}: ratio ${format(split.workspaceMs / run.bareCloneMs, 2)}), setup ${ms(split.setupMs)}, ${split.steps} steps ${ms(split.stepsMs)} (tool calls ${ms(split.toolMs)}, the rest ${format(split.harnessPerStepMs)} ms per step), check ${ms(split.checkMs)}, result branch ${ms(split.branchMs)}, finish ${ms(split.finishMs)}; first model call at ${ms(split.firstModelCallMs)}`,
    `    commands (shell, search, check) sandboxed ${ms(split.commandMs)} vs bare ${ms(run.bareCommandMs)}: ratio ${format(split.commandMs / run.bareCommandMs, 2)}; the sandbox adds ${ms(run.perCommandMs)} per command (median)`,
  ].join('\n');
};

/**
 * (i) to (l): `warden run` against the same 30 operations bare on the large real-source repository and
 * on the small demo repository (paired runs, Warden's time split by its journal), peak RSS of `warden
 * run`, and `git status` in the sandbox against bare; each line goes to `print`.
 */
export async function benchRealRepositories(print: (line: string) => void): Promise<void> {
  const fromBundle = chooseEntry(new URL('..', import.meta.url)).endsWith('/dist/main.js');
  print(
    fromBundle
      ? "`warden run` below runs the bundle `npm install` built (dist/), as a user's does"
      : '`warden run` below runs from the source: no bundle matches it (`npm install` or `node bin/build-bundle.ts` builds one)',
  );
  const large = await benchLargeRepository(5);
  const { repository } = large;
  print(
    `(i) large repository (${repository.files.toLocaleString('en-US')} files, ${format(repository.lines / 1e6, 2)} M lines, ${format(repository.bytes / 1e6, 0)} MB, ${repository.commits} commits; built from ${repository.source}${repository.reused ? ', cached' : ''}), 30-step scripted trajectory: ${describeRun(large)}`,
  );

  const small = await benchSmallRepository(8);
  print(`(j) small demo repository, 30-step scripted trajectory: ${describeRun(small)}`);

  print(
    `(k) peak RSS of \`warden run\`: large repository ${format(large.maxRssMb, 0)} MB vs the bare driver's ${format(large.bareMaxRssMb, 0)} MB: ratio ${format(large.maxRssMb / large.bareMaxRssMb, 2)}; small ${format(small.maxRssMb, 0)} MB vs ${format(small.bareMaxRssMb, 0)} MB: ratio ${format(small.maxRssMb / small.bareMaxRssMb, 2)}`,
  );

  const gitStatus = await benchGitStatus();
  print(
    `(l) \`git status\` in the sandbox on the large repository ${format(gitStatus.sandboxedMs)} ms vs bare ${format(gitStatus.bareMs)} ms: ratio ${format(gitStatus.ratio, 2)} (a sandboxed \`true\` ${format(gitStatus.trueMs)} ms)`,
  );
}

if (import.meta.main) await benchRealRepositories(console.log);
