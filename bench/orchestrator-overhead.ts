import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main.ts';

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
    const repo = path.join(home, 'repo');
    mkdirSync(repo);
    writeFileSync(
      path.join(repo, 'check.sh'),
      `for i in ${ids.join(' ')}; do test -f "f$i.txt" || exit 1; done\n`,
    );
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', ...args], {
        cwd: repo,
        stdio: 'pipe',
      });
    git('init', '--quiet');
    git('add', '-A');
    git('commit', '--quiet', '-m', 'base');
    const run = async (agent: string[]) => {
      let output = '';
      const started = performance.now();
      const code = await main(
        [
          'run',
          '--repo',
          repo,
          '--task',
          'write the files',
          '--config',
          config,
          '--json',
          '--data-dir',
          home,
          ...agent,
        ],
        { out: (text) => (output += text), err: () => {}, interactive: false, env: process.env, cwd: home },
      );
      const wallMs = performance.now() - started;
      if (code !== 0) throw new Error(`the run failed (exit ${code}): ${output}`);
      return wallMs;
    };
    await run([]);
    const pairs: Array<{ single: number; orchestrated: number }> = [];
    for (let round = 0; round < rounds; round += 1) {
      const single = await run([]);
      const orchestrated = await run(['--agent', 'split']);
      pairs.push({ single, orchestrated });
    }
    pairs.sort((a, b) => a.orchestrated / a.single - b.orchestrated / b.single);
    const median = pairs[Math.floor(pairs.length / 2)]!;
    return {
      subtasks: SUBTASKS,
      singleMs: median.single,
      orchestratedMs: median.orchestrated,
      ratio: median.orchestrated / median.single,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const result = await benchOrchestratorOverhead();
  console.log(JSON.stringify(result));
}
