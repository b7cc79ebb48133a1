// Rebuilds the checkouts of the localization benchmark: one directory per instance, the repository's
// tree at the instance's base commit (the fix's parent), under a cache directory.
//
//   node bench/localization/rebuild-checkouts.ts [--mirrors DIR] [--cache DIR] [--clone]
//
// Where the repositories come from, first match wins:
//   1. `--mirrors DIR` (default `<cache>/mirrors`): a bare git directory per repository at
//      `DIR/<owner>+<name>/repo` (for example bare clones of honojs/hono, colinhacks/zod,
//      date-fns/date-fns, unjs/h3, sindresorhus/ky and eslint/eslint made beforehand);
//   2. with `--clone`, `git clone --bare <url>` of the instance's `url` into `<cache>/mirrors`.
// The cache defaults to `<os tmpdir>/warden-localization`; checkouts land at
// `<cache>/checkouts/<owner>+<name>@<base commit>`. A checkout is written to a temporary directory and
// renamed into place when whole, so an interrupted run leaves nothing the benchmark would take for
// complete; a second run skips what is there.
//
// The tree is written with `read-tree` and `checkout-index` into a scratch index, not `git archive`:
// `export-ignore` attributes would otherwise drop files (often the tests) a developer's clone has. No
// hook, filter driver or repository config of the fetched repository runs: the mirror is read as data.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { UserError } from '../../src/spec/errors.ts';
import { runCommand } from '../run-command.ts';

const instanceSchema = z.object({
  id: z.string().min(1),
  split: z.enum(['tune', 'test']),
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  url: z.string().url(),
  fix_commit: z.string().regex(/^[0-9a-f]{40}$/),
  base_commit: z.string().regex(/^[0-9a-f]{40}$/),
  gold_files: z.array(z.string().min(1)).min(1),
  problem_statement: z.string().min(40),
});

/** One benchmark instance: a repository at a bug fix's parent, a user's report, the files the fix changed. */
export type LocalizationInstance = z.infer<typeof instanceSchema>;

/** The instances file committed beside this script. */
export const INSTANCES_FILE = fileURLToPath(new URL('./instances.jsonl', import.meta.url));

/** The default cache directory of mirrors and checkouts. */
export const defaultCacheDir = (): string => path.join(tmpdir(), 'warden-localization');

/** Reads and validates the instances file; throws a `UserError` naming the line that is wrong. */
export async function loadInstances(file: string = INSTANCES_FILE): Promise<LocalizationInstance[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  return lines.map((line, index) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw new UserError('config-invalid', `${file}:${index + 1}: not JSON`, { cause });
    }
    const parsed = instanceSchema.safeParse(value);
    if (!parsed.success) {
      throw new UserError('config-invalid', `${file}:${index + 1}: ${parsed.error.issues[0]?.message}`);
    }
    return parsed.data;
  });
}

const repoKey = (repo: string) => repo.replace('/', '+');

/** Where an instance's checkout lives (it may not exist). */
export function checkoutDir(cacheDir: string, instance: LocalizationInstance): string {
  return path.join(cacheDir, 'checkouts', `${repoKey(instance.repo)}@${instance.base_commit}`);
}

// Git reading a fetched repository as data: no system or global config, no hooks, no attributes
// file from the user, no replace refs.
const safeGit = (gitDir: string, ...args: string[]) =>
  runCommand(
    'git',
    ['-c', 'core.hooksPath=/dev/null', '-c', 'core.attributesFile=/dev/null', `--git-dir=${gitDir}`, ...args],
    {
      env: {
        PATH: process.env.PATH,
        HOME: tmpdir(),
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_NO_REPLACE_OBJECTS: '1',
        GIT_TERMINAL_PROMPT: '0',
      },
    },
  );

async function findMirror(
  instance: LocalizationInstance,
  mirrors: string,
  clone: boolean,
): Promise<string | undefined> {
  const gitDir = path.join(mirrors, repoKey(instance.repo), 'repo');
  if (existsSync(gitDir)) return gitDir;
  if (!clone) return undefined;
  await mkdir(path.dirname(gitDir), { recursive: true });
  await runCommand('git', ['clone', '--bare', '--quiet', instance.url, gitDir], {
    env: { PATH: process.env.PATH, HOME: tmpdir(), GIT_TERMINAL_PROMPT: '0' },
  });
  return gitDir;
}

async function extract(gitDir: string, commit: string, target: string): Promise<void> {
  const scratch = `${target}.partial-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  const index = `${scratch}.index`;
  try {
    await runCommand(
      'git',
      [
        '-c',
        'core.hooksPath=/dev/null',
        `--git-dir=${gitDir}`,
        `--work-tree=${scratch}`,
        'read-tree',
        commit,
      ],
      { env: { PATH: process.env.PATH, HOME: tmpdir(), GIT_INDEX_FILE: index, GIT_CONFIG_NOSYSTEM: '1' } },
    );
    await runCommand(
      'git',
      [
        '-c',
        'core.hooksPath=/dev/null',
        '-c',
        'core.symlinks=false',
        `--git-dir=${gitDir}`,
        `--work-tree=${scratch}`,
        'checkout-index',
        '--all',
        '--force',
      ],
      { env: { PATH: process.env.PATH, HOME: tmpdir(), GIT_INDEX_FILE: index, GIT_CONFIG_NOSYSTEM: '1' } },
    );
    await rename(scratch, target);
  } finally {
    await rm(index, { force: true });
    await rm(scratch, { recursive: true, force: true });
  }
}

export interface RebuildReport {
  built: string[];
  present: string[];
  /** Instances whose repository was found neither among the mirrors nor (with `clone`) by cloning. */
  missing: Array<{ id: string; repo: string }>;
}

/**
 * Makes every instance's checkout that is not there yet. Throws a `SystemError` when git fails on a
 * mirror that exists (a commit missing from it, a full disk).
 */
export async function rebuildCheckouts(options: {
  instances: LocalizationInstance[];
  cacheDir: string;
  mirrors: string;
  clone?: boolean;
  log?: (line: string) => void;
}): Promise<RebuildReport> {
  const report: RebuildReport = { built: [], present: [], missing: [] };
  for (const instance of options.instances) {
    const target = checkoutDir(options.cacheDir, instance);
    if (existsSync(target)) {
      report.present.push(instance.id);
      continue;
    }
    const gitDir = await findMirror(instance, options.mirrors, options.clone ?? false);
    if (gitDir === undefined) {
      report.missing.push({ id: instance.id, repo: instance.repo });
      continue;
    }
    await safeGit(gitDir, 'cat-file', '-e', `${instance.base_commit}^{commit}`);
    await mkdir(path.dirname(target), { recursive: true });
    await extract(gitDir, instance.base_commit, target);
    report.built.push(instance.id);
    options.log?.(`built ${instance.id} at ${target}`);
  }
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { mirrors: { type: 'string' }, cache: { type: 'string' }, clone: { type: 'boolean' } },
  });
  const cacheDir = values.cache ?? defaultCacheDir();
  const report = await rebuildCheckouts({
    instances: await loadInstances(),
    cacheDir,
    mirrors: values.mirrors ?? path.join(cacheDir, 'mirrors'),
    clone: values.clone ?? false,
    log: (line) => console.error(line),
  });
  console.log(
    `${report.built.length} built, ${report.present.length} already there, ${report.missing.length} missing (under ${cacheDir})`,
  );
  for (const missing of report.missing) console.log(`missing ${missing.id}: no mirror of ${missing.repo}`);
  process.exitCode = report.missing.length > 0 ? 1 : 0;
}
