import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchRepository, medianPair, timedRun } from './scripted-agents.ts';

const ROLES = ['api', 'ui', 'docs', 'tests'];
const WRITES = 3;
/** What each scripted reply waits, as a real model's would (the scripted file's `latencyMs`). */
const LATENCY_MS = 500;
const usage = { input_tokens: 500, output_tokens: 20 };

/**
 * (o) A swarm of 4 roles, each writing 3 files and finishing (4 model calls each, in parallel, each role
 * in its own workspace and sandbox, merged and checked once more), against the same 12 writes done by
 * one loop (13 model calls in sequence), on a scripted model whose every reply takes 500 ms: wall-time
 * ratio, sequential over swarm, median of `rounds` pairs. Bound by the model's latency, not the cores.
 */
export async function benchSwarmSpeedup(rounds = 3) {
  const home = mkdtempSync(path.join(tmpdir(), 'warden-bench-swarm-'));
  try {
    const writesOf = (role: string) =>
      Array.from({ length: WRITES }, (_, index) => ({
        tool_calls: [{ name: 'write_file', input: { path: `${role}-${index}.txt`, content: `${role}\n` } }],
        usage,
      }));
    const done = { text: 'done', usage };
    const script = path.join(home, 'script.json');
    writeFileSync(
      script,
      JSON.stringify({
        latencyMs: LATENCY_MS,
        turns: [...ROLES.flatMap(writesOf), done],
        roles: Object.fromEntries(ROLES.map((role) => [role, { turns: [...writesOf(role), done] }])),
      }),
    );
    const files = ROLES.flatMap((role) =>
      Array.from({ length: WRITES }, (_, index) => `${role}-${index}.txt`),
    );
    const repo = benchRepository(home, { 'check.sh': `test -f ${files.join(' -a -f ')}\n` });
    const config = path.join(home, 'config.yaml');
    const roles = ROLES.map(
      (role) => `      - name: ${role}\n        prompt: Write the ${role} files.\n`,
    ).join('');
    writeFileSync(
      config,
      `model: scripted:${script}\nagent:\n  check: sh check.sh\nagents:\n  crew:\n    pattern: swarm\n    check: sh check.sh\n    roles:\n${roles}`,
    );
    const run = (agent: string[]) =>
      timedRun(home, ['--repo', repo, '--task', 'write the files', '--config', config, ...agent]);
    const pairs: Array<{ a: number; b: number }> = [];
    for (let round = 0; round < rounds; round += 1) {
      const a = await run([]);
      pairs.push({ a, b: await run(['--agent', 'crew']) });
    }
    const median = medianPair(pairs);
    return {
      roles: ROLES.length,
      latencyMs: LATENCY_MS,
      sequentialMs: median.a,
      swarmMs: median.b,
      ratio: median.a / median.b,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.main) console.log(JSON.stringify(await benchSwarmSpeedup()));
