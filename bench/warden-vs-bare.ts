import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Journal } from '../src/journal/index.ts';
import { SystemError } from '../src/spec/errors.ts';
import { openSqliteStore } from '../src/store/index.ts';
import type { BareReport } from './bare-trajectory.ts';
import { summarize } from './stats.ts';
import { splitTask, type TaskSplit } from './task-split.ts';
import { type TrajectoryPlan, writeTrajectory } from './trajectory.ts';
import type { ProbeReport } from './warden-run-probe.ts';

const WARDEN = fileURLToPath(new URL('../bin/warden.js', import.meta.url));
const BARE_DRIVER = fileURLToPath(new URL('./bare-trajectory.ts', import.meta.url));
const PROBE = pathToFileURL(fileURLToPath(new URL('./warden-run-probe.ts', import.meta.url)));

export interface WardenVsBareSettings {
  /** The user's repository (a git work tree the benchmark may add `warden/*` branches to). */
  repo: string;
  plan: TrajectoryPlan;
  /** Paired runs measured, after one warm-up `warden run` that is not. */
  pairs: number;
  /** A scratch directory of the benchmark's own: config, scripted file, data directory, bare clones. */
  workDir: string;
}

export interface WardenVsBareResult {
  pairs: number;
  /** Medians over the pairs, ms. */
  wardenMs: number;
  bareMs: number;
  /** Median of the per-pair ratios `warden / bare`. */
  ratio: number;
  /** Each phase's median over Warden's runs. */
  split: TaskSplit;
  /** The bare driver's clone, and its shell commands, searches and check, medians in ms. */
  bareCloneMs: number;
  bareCommandMs: number;
  /** Median over every shell and search call of all pairs of (sandboxed − bare), ms: the sandbox's cost per command. */
  perCommandMs: number;
  /** Largest peak RSS of the `warden run` processes, and of the bare driver processes, MB. */
  maxRssMb: number;
  bareMaxRssMb: number;
}

/**
 * `warden run` with the plan's scripted 30-step trajectory, as a child process timed from spawn to exit,
 * against a bare driver process doing the same on a plain clone (`bare-trajectory.ts`), run alternately
 * (which one goes first alternates too) after a warm-up run; Warden's time is split by its journal.
 * Warden keeps one data directory across the runs, as a user does.
 */
export async function benchWardenVsBare(settings: WardenVsBareSettings): Promise<WardenVsBareResult> {
  const { workDir, plan, repo } = settings;
  const scriptedFile = path.join(workDir, 'trajectory.scripted.json');
  writeTrajectory(scriptedFile, plan);
  const config = path.join(workDir, 'config.json');
  writeConfig(config, scriptedFile, plan.check);
  const dataDir = path.join(workDir, 'data');
  const env = { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` };

  const runWarden = async (index: number) => {
    const probeFile = path.join(workDir, `probe-${index}.json`);
    const probeImport = `--import=${PROBE.href}?out=${encodeURIComponent(probeFile)}`;
    const task = ['--task', plan.task, '--config', config, '--data-dir', dataDir, '--json'];
    const run = await timedSpawn(
      process.execPath,
      [probeImport, WARDEN, 'run', '--repo', repo, ...task],
      env,
    );
    const report = parseOutput<{ taskId: string; status: string }>(run, 'warden run');
    if (report.status !== 'succeeded') {
      throw new SystemError('sandbox-failed', `the benchmark's task ended ${report.status}: ${run.stdout}`, {
        hint: `see \`warden trace ${report.taskId} --data-dir ${dataDir}\``,
      });
    }
    const probe = JSON.parse(readFileSync(probeFile, 'utf8')) as ProbeReport;
    return { ...run, taskId: report.taskId, probe };
  };
  const runBare = async (index: number) => {
    const clone = path.join(workDir, `bare-${index}`);
    try {
      const run = await timedSpawn(
        process.execPath,
        [BARE_DRIVER, scriptedFile, repo, clone, plan.check],
        env,
      );
      return { ...run, report: parseOutput<BareReport>(run, 'the bare driver') };
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  };

  // A user's first task on a repository may pay once for what later tasks reuse; the benchmark measures
  // the later ones. The warm-up also brings the repository into the page cache for both sides.
  await runWarden(0);
  const wardenRuns: Awaited<ReturnType<typeof runWarden>>[] = [];
  const bareRuns: Awaited<ReturnType<typeof runBare>>[] = [];
  for (let pair = 1; pair <= settings.pairs; pair++) {
    if (pair % 2 === 1) {
      wardenRuns.push(await runWarden(pair));
      bareRuns.push(await runBare(pair));
    } else {
      bareRuns.push(await runBare(pair));
      wardenRuns.push(await runWarden(pair));
    }
  }

  const store = openSqliteStore(path.join(dataDir, 'warden.db'));
  const journal = new Journal(store);
  const splits: TaskSplit[] = [];
  const perCommand: number[] = [];
  const isCommand = (tool: string) => tool === 'shell' || tool === 'search';
  try {
    for (const [index, run] of wardenRuns.entries()) {
      const events = await journal.events(run.taskId);
      splits.push(splitTask(events, run, run.probe));
      // The same calls in the same order on both sides: pair each sandboxed command with its bare twin.
      const sandboxed = events.flatMap((event) =>
        event.type === 'tool-call-end' && isCommand(event.tool) ? [event.durationMs] : [],
      );
      const bare = bareRuns[index]!.report.operations.filter((operation) => isCommand(operation.tool));
      perCommand.push(...sandboxed.map((durationMs, call) => durationMs - (bare[call]?.durationMs ?? 0)));
    }
  } finally {
    await store.close();
  }
  const median = (values: number[]) => summarize(values).median;
  const wallOf = (run: { spawnAt: number; exitAt: number }) => run.exitAt - run.spawnAt;
  const split = Object.fromEntries(
    Object.keys(splits[0]!).map((key) => [key, median(splits.map((one) => one[key as keyof TaskSplit]))]),
  ) as unknown as TaskSplit;
  return {
    pairs: settings.pairs,
    wardenMs: median(wardenRuns.map(wallOf)),
    bareMs: median(bareRuns.map(wallOf)),
    ratio: median(wardenRuns.map((run, index) => wallOf(run) / wallOf(bareRuns[index]!))),
    split,
    bareCloneMs: median(bareRuns.map((run) => run.report.cloneMs)),
    bareCommandMs: median(
      bareRuns.map(
        ({ report }) =>
          report.checkMs +
          report.operations
            .filter((operation) => isCommand(operation.tool))
            .reduce((sum, operation) => sum + operation.durationMs, 0),
      ),
    ),
    perCommandMs: median(perCommand),
    maxRssMb: Math.max(...splits.map((one) => one.maxRssMb)),
    bareMaxRssMb: Math.max(...bareRuns.map(({ report }) => report.maxRssKb / 1024)),
  };
}

/** The run's config (JSON, which the YAML loader reads): the scripted model, roomy limits, the check. */
function writeConfig(file: string, scriptedFile: string, check: string) {
  const config = {
    model: `scripted:${scriptedFile}`,
    budget: { maxUsd: 100, maxTokens: 20_000_000, maxSteps: 60 },
    agent: { check },
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
}

interface TimedRun {
  spawnAt: number;
  exitAt: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns a process and times it from spawn to exit (epoch ms, sub-millisecond). */
function timedSpawn(program: string, args: string[], env: NodeJS.ProcessEnv): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const now = () => performance.timeOrigin + performance.now();
    const spawnAt = now();
    let exitAt = 0;
    const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('exit', () => {
      exitAt = now();
    });
    child.on('close', (code) => {
      resolve({
        spawnAt,
        exitAt,
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

function parseOutput<T>(run: TimedRun, what: string): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch (error) {
    throw new SystemError('sandbox-failed', `${what} exited ${run.code} without its JSON: ${run.stderr}`, {
      cause: error,
      hint: 'run the same command by hand to see what went wrong',
    });
  }
}
