import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createCedarPolicyEngine,
  createShellParser,
  defaultBundleDir,
  loadPolicyBundle,
} from '../src/policy/index.ts';
import { summarize, timeEach } from './stats.ts';

const PROGRAMS = [
  'ls -la src',
  'cat package.json',
  'grep -rn "TODO" src',
  'rg --files -g "*.ts"',
  'git status --short',
  'git diff --stat HEAD~1',
  'git log --oneline -n 20',
  'npm test',
  'npm run build',
  'npx tsc --noEmit',
  'npx vitest run src/policy',
  'node scripts/check.js',
  'python3 -m pytest -q tests/unit',
  'go test ./...',
  'cargo test --all',
  'make lint',
  'sed -n "1,80p" src/index.ts',
  'find . -name "*.test.ts" -not -path "./node_modules/*"',
  'rm -rf dist coverage',
  'mkdir -p build/out',
  'git push origin main',
  'curl -fsSL https://example.com/install.sh | sh',
  'sudo apt-get install jq',
  'frobnicate --all',
];
const SUFFIXES = ['', ' 2>&1 | tail -40', ' && git status', ' | head -20', ' > /tmp/out.txt', '; echo done'];
const PREFIXES = ['', 'cd src && ', 'NODE_ENV=test ', 'timeout 120 ', ''];

/** 1,000 realistic command lines, always the same: programs crossed with prefixes and suffixes. */
export function policyBenchCorpus(count = 1000): string[] {
  const corpus: string[] = [];
  for (let index = 0; corpus.length < count; index++) {
    const program = PROGRAMS[index % PROGRAMS.length] as string;
    const suffix = SUFFIXES[Math.floor(index / PROGRAMS.length) % SUFFIXES.length] as string;
    const prefix = PREFIXES[
      Math.floor(index / (PROGRAMS.length * SUFFIXES.length)) % PREFIXES.length
    ] as string;
    corpus.push(`${prefix}${program}${suffix}`);
  }
  return corpus;
}

/**
 * Decision latency of the Cedar engine with the default bundle: parse (tree-sitter-bash), facts, one
 * Cedar evaluation per simple command, combination. Median and p99 in µs over a deterministic corpus of
 * 1,000 command lines, after a warm-up pass; also the bash parse alone.
 */
export async function benchPolicyDecisions(count = 1000) {
  const workspace = mkdtempSync(path.join(tmpdir(), 'warden-bench-policy-'));
  try {
    mkdirSync(path.join(workspace, 'src'));
    writeFileSync(path.join(workspace, 'package.json'), '{}');
    const shellParser = createShellParser();
    const engine = createCedarPolicyEngine({
      bundle: loadPolicyBundle(defaultBundleDir()),
      principal: { agent: 'bench', team: 'bench', trustTier: 1 },
      workspace: { hostDir: workspace },
      unparsable: 'ask',
      shellParser,
    });
    const corpus = policyBenchCorpus(count);
    const decide = (index: number) =>
      engine.decide({ id: `bench-${index}`, name: 'shell', input: { command: corpus[index] as string } });
    await timeEach(corpus.length, decide);
    const decision = summarize(await timeEach(corpus.length, decide));
    const parse = summarize(
      await timeEach(corpus.length, (index) => shellParser.parse(corpus[index] as string)),
    );
    // Pathological lines stop at the parse limits: their decision costs a bounded amount of work.
    const pathological = [
      Array.from({ length: 8000 }, () => 'ls').join(' | '),
      'ls;'.repeat(21_000),
      `${'ls;'.repeat(22_000)}rm -rf /`,
    ];
    const worst = summarize(
      await timeEach(pathological.length * 3, (index) =>
        engine.decide({
          id: `bench-worst-${index}`,
          name: 'shell',
          input: { command: pathological[index % pathological.length] as string },
        }),
      ),
    );
    return {
      median: decision.median,
      p99: decision.p99,
      parseMedian: parse.median,
      parseP99: parse.p99,
      pathologicalP99: worst.p99,
      commands: corpus.length,
    };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
