import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchRepository, medianPair, timedRun } from './scripted-agents.ts';

const SUBTASKS = 20;
const usage = { input_tokens: 500, output_tokens: 20 };
const write = (index: number) => ({
  tool_calls: [{ name: 'write_file', input: { path: `f${index}.txt`, content: `${index}\n` } }],
  usage,
});
const done = { text: 'done', usage };
const ids = Array.from({ length: SUBTASKS }, (_, index) => index + 1);

/**
 * (n) The orchestrator's scheduling overhead: a planner and 20 trivial subtasks (one write and a check
 * each, every subtask in its own workspace and sandbox, combined into 20 commits and checked once more)
 * against the same 20 writes in one loop with the same final check, both through `warden run` in this
 * process on a scripted model (no model latency): wall-time ratio, median of `rounds` pairs.
 */
export async function benchOrchestratorOverhead(rounds = 3) {
  const home = mkdtempSync(path.join(tmpdir(), 'warden-bench-orchestrator-'));
  try {
    const script = path.join(home, 'script.json');
    writeFileSync(
      script,
      JSON.stringify({
        turns: [...ids.map(write), done],
        roles: {
          planner: {
            turns: [
              {
                tool_calls: [
                  {
                    name: 'plan',
                    input: {
                      subtasks: ids.map((index) => ({
                        id: `s${index}`,
                        goal: `Write f${index}.txt.`,
                        check: `test -f f${index}.txt`,
                      })),
                    },
                  },
                ],
                usage,
              },
              done,
            ],
          },
          ...Object.fromEntries(ids.map((index) => [`worker:s${index}`, { turns: [write(index), done] }])),
        },
      }),
    );
    const config = path.join(home, 'config.yaml');
    writeFileSync(
      config,
      `model: scripted:${script}\nagent:\n  check: sh check.sh\nbudget:\n  maxSteps: 40\nagents:\n  split:\n    pattern: orchestrator\n    check: sh check.sh\n`,
    );
    const repo = benchRepository(home, {
      'check.sh': `for i in ${ids.join(' ')}; do test -f "f$i.txt" || exit 1; done\n`,
    });
    const run = (agent: string[]) =>
      timedRun(home, ['--repo', repo, '--task', 'write the files', '--config', config, ...agent]);
    await run([]);
    const pairs: Array<{ a: number; b: number }> = [];
    for (let round = 0; round < rounds; round += 1) {
      const b = await run([]);
      pairs.push({ a: await run(['--agent', 'split']), b });
    }
    const median = medianPair(pairs);
    return { subtasks: SUBTASKS, singleMs: median.b, orchestratedMs: median.a, ratio: median.a / median.b };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const result = await benchOrchestratorOverhead();
  console.log(JSON.stringify(result));
}
