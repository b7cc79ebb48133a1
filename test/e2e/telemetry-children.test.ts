import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JournalEvent } from '../../src/spec/journal-events.ts';
import { spansOfJournal } from '../../src/telemetry/index.ts';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const usage = { input_tokens: 1000, output_tokens: 20 };

describe("a pipeline's journal as spans: one invoke_agent per stage, its calls under it", () => {
  const work = scratch('telemetry-children');
  afterAll(work.cleanup);

  it('puts each stage under the task, and each chat and execute_tool under its stage', async () => {
    // The built-in fix-ci pipeline: a command stage that reproduces, then a model stage that fixes.
    const repo = makeRepo(path.join(work.dir, 'repo'), {
      'value.txt': 'broken\n',
      'check.sh': 'grep -q fixed value.txt\n',
      'package.json': JSON.stringify({ name: 'r', private: true, scripts: { test: 'sh check.sh' } }),
    });
    const config = path.join(work.dir, 'config.yaml');
    writeFileSync(config, 'agent:\n  check: none\n');
    const script = writeScript(work.dir, {
      model: 'anthropic:claude-haiku-4-5',
      turns: [
        { tool_calls: [{ name: 'write_file', input: { path: 'value.txt', content: 'fixed\n' } }], usage },
        { text: 'fixed', usage },
      ],
    });
    const home = path.join(work.dir, 'home');
    const run = await runWarden([
      ...['run', '--agent', 'fix-ci', '--repo', repo, '--task', 'CI failed', '--model', `scripted:${script}`],
      ...['--config', config, '--data-dir', home, '--json'],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const { taskId } = JSON.parse(run.stdout) as { taskId: string };
    const trace = await runWarden(['trace', taskId, '--json', '--data-dir', home, '--config', config]);
    const events = JSON.parse(trace.stdout) as JournalEvent[];

    const spans = spansOfJournal(events, { captureContent: false });
    const named = (name: string) => spans.filter((span) => span.name === name);
    const [root] = spans.filter((span) => span.parentSpanId === undefined);
    expect(root?.name).toBe('invoke_agent fix-ci');
    const reproduce = named('invoke_agent stage:reproduce');
    const fix = named('invoke_agent stage:fix');
    expect(reproduce).toHaveLength(1);
    expect(fix).toHaveLength(1);
    expect(reproduce[0]!.parentSpanId).toBe(root!.spanId);
    expect(fix[0]!.parentSpanId).toBe(root!.spanId);
    const chats = spans.filter((span) => span.name.startsWith('chat '));
    expect(chats).toHaveLength(2);
    for (const chat of chats) expect(chat.parentSpanId).toBe(fix[0]!.spanId);
    expect(named('execute_tool write_file').map((span) => span.parentSpanId)).toEqual([fix[0]!.spanId]);
    // Every span is in the task's one trace, and a child lies within its parent's time.
    expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);
    expect(fix[0]!.startMs).toBeGreaterThanOrEqual(root!.startMs);
    expect(fix[0]!.endMs).toBeLessThanOrEqual(root!.endMs);
  });
});
