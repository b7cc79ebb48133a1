import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createPackageGuard,
  createRegistryClient,
  loadPopularNames,
  withPackageGuard,
} from '../src/guard/package-guard/index.ts';
import {
  createCedarPolicyEngine,
  createShellParser,
  defaultBundleDir,
  loadPolicyBundle,
} from '../src/policy/index.ts';
import type { PolicyDecider } from '../src/spec/policy.ts';
import { startPackageRegistry } from '../src/testing/index.ts';
import { summarize, timeEach } from './stats.ts';

const INSTALLS = [
  'npm install lodash@4.17.21',
  'npm install lodahs',
  'pip install requests==2.31.0',
  'pip install reqeusts',
  'npm install does-not-exist-xyz',
];

/**
 * The package guard's added latency per install, against the local npm/PyPI registry on 127.0.0.1:
 * the policy decision alone, the guarded decision with a fresh guard each time (every package looked
 * up over HTTP: the first install of a package in a task) and with the task's guard (cached), each as a
 * median over the install commands above. The baseline install is a real `npm install` of a one-file
 * package tarball with `--offline` (no network, nothing to resolve: the cheapest install npm does), run
 * `installRounds` times; ratios are guard cost over that install, and over the policy decision alone.
 */
export async function benchPackageGuard(rounds = 200, installRounds = 5) {
  const registry = await startPackageRegistry();
  const workspace = mkdtempSync(path.join(tmpdir(), 'warden-bench-guard-'));
  try {
    const parser = createShellParser();
    const engine = createCedarPolicyEngine({
      bundle: loadPolicyBundle(defaultBundleDir()),
      principal: { agent: 'bench', team: 'bench', trustTier: 1 },
      workspace: { hostDir: workspace },
      unparsable: 'ask',
      shellParser: parser,
    });
    const url = registry.url;
    const popular = loadPopularNames();
    const guardOf = () =>
      createPackageGuard({
        registry: createRegistryClient({ registries: { npm: url, pypi: url, crates: url, go: url } }),
        popular,
        minAgeDays: 7,
        allowScripts: false,
        failOpen: false,
      });
    const files = { read: (file: string) => readFile(path.join(workspace, file)) };
    const guarded = (): PolicyDecider =>
      withPackageGuard(engine, { guard: guardOf(), parser, workspace: files });
    const call = (index: number) => ({
      id: `bench-${index}`,
      name: 'shell',
      input: { command: INSTALLS[index % INSTALLS.length] as string },
    });
    const task = guarded();
    // Warm-up: grammar, Cedar, popular lists, HTTP keep-alive.
    await timeEach(INSTALLS.length * 4, (index) => task.decide(call(index)));
    const policy = summarize(await timeEach(rounds, (index) => engine.decide(call(index))));
    const cold = summarize(await timeEach(rounds, (index) => guarded().decide(call(index))));
    const warm = summarize(await timeEach(rounds, (index) => task.decide(call(index))));

    const install = benchOfflineInstall(workspace, installRounds);
    const coldAddedMs = (cold.median - policy.median) / 1000;
    return {
      policyUs: policy.median,
      coldUs: cold.median,
      coldP99Us: cold.p99,
      warmUs: warm.median,
      installMs: install,
      coldAddedMs,
      coldOverInstall: cold.median / 1000 / install,
      warmOverInstall: warm.median / 1000 / install,
      coldOverPolicy: cold.median / policy.median,
      warmOverPolicy: warm.median / policy.median,
      lookups: registry.hits.length,
    };
  } finally {
    await registry.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}

/** Median ms of `npm install --offline` of a one-file local tarball into a fresh project. */
function benchOfflineInstall(dir: string, rounds: number): number {
  const source = path.join(dir, 'tiny');
  mkdirSync(source);
  writeFileSync(
    path.join(source, 'package.json'),
    JSON.stringify({ name: 'tiny', version: '1.0.0', main: 'index.js' }),
  );
  writeFileSync(path.join(source, 'index.js'), 'module.exports = 1;\n');
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: source })
    .toString()
    .trim();
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const project = path.join(dir, `project-${round}`);
    mkdirSync(project);
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'p', version: '1.0.0', private: true }),
    );
    const started = performance.now();
    execFileSync(
      'npm',
      [
        'install',
        '--offline',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--silent',
        path.join(dir, tarball),
      ],
      { cwd: project, env: { ...process.env, npm_config_cache: path.join(dir, 'npm-cache') } },
    );
    samples.push(performance.now() - started);
  }
  return summarize(samples).median;
}

/** One line for `npm run bench`. */
export function describePackageGuard(result: Awaited<ReturnType<typeof benchPackageGuard>>): string {
  const format = (value: number, digits = 1) => value.toFixed(digits);
  return `(y) package guard per install (local npm/PyPI registry on 127.0.0.1): policy decision alone ${format(result.policyUs)} µs; guarded, first lookup ${format(result.coldUs)} µs (p99 ${format(result.coldP99Us)} µs), cached ${format(result.warmUs)} µs; \`npm install --offline\` of a one-file tarball ${format(result.installMs)} ms: ratios to the install ${format(result.coldOverInstall, 4)} (first) / ${format(result.warmOverInstall, 4)} (cached), to the decision alone ${format(result.coldOverPolicy, 2)} / ${format(result.warmOverPolicy, 2)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  console.log(describePackageGuard(await benchPackageGuard()));
