import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayJournal } from '../../src/agent/replay-journal.ts';
import type { JournalEvent } from '../../src/spec/journal-events.ts';
import { makeRepo, runWarden, scratch, traceEvents } from '../support/cli.ts';

/**
 * Compaction drops an old tool output; `recall_output` reads it back from the journal, through the real
 * CLI. The model is the scripted model: simulated replies read from a file, never a vendor's.
 */
const usage = { input_tokens: 400, output_tokens: 20 };
const calls = (...toolCalls: Array<{ name: string; input: unknown }>) => ({ tool_calls: toolCalls, usage });
/** Lines a reader would recognise, 12,000 characters in all: far over the 1 KB compaction keeps whole. */
const bigFile = (name: string) =>
  Array.from(
    { length: 300 },
    (_, line) => `${name} line ${String(line).padStart(4, '0')}: ${'x'.repeat(20)}`,
  ).join('\n');

describe('recall_output after compaction (real CLI, scripted model)', { timeout: 120_000 }, () => {
  const work = scratch('recall');
  afterAll(work.cleanup);

  it('gives the model a dropped output back as it was, from the journal, without running the tool again', async () => {
    const repo = makeRepo(path.join(work.dir, 'repo'), {
      'first.txt': bigFile('first'),
      'second.txt': bigFile('second'),
      'small.txt': 'small\n',
    });
    const script = {
      model: 'anthropic:claude-haiku-4-5',
      turns: [
        calls({ name: 'read_file', input: { path: 'first.txt' } }),
        calls({ name: 'read_file', input: { path: 'second.txt' } }),
        calls({ name: 'read_file', input: { path: 'small.txt' } }),
        calls(
          { name: 'recall_output', input: { call_id: 'call_1' } },
          { name: 'recall_output', input: { call_id: 'call_99' } },
        ),
        { text: 'first.txt has 300 lines', usage },
      ],
    };
    const scriptFile = path.join(work.dir, 'script.json');
    writeFileSync(scriptFile, JSON.stringify(script));
    const configFile = path.join(work.dir, 'config.yaml');
    writeFileSync(
      configFile,
      'agent:\n  check: "true"\n  compaction:\n    triggerTokens: 2000\n    keepRecentTurns: 1\n',
    );
    const home = ['--data-dir', path.join(work.dir, 'home')];
    const ran = await runWarden([
      ...[
        'run',
        '--repo',
        repo,
        '--task',
        'How many lines has first.txt?',
        '--model',
        `scripted:${scriptFile}`,
      ],
      ...['--config', configFile, '--no-branch', '--json', ...home],
    ]);
    expect(ran.code, ran.stderr).toBe(0);
    const events = (await traceEvents(JSON.parse(ran.stdout).taskId, home)) as unknown as JournalEvent[];

    const compacted = events.find((event) => event.type === 'context-compacted');
    expect(compacted?.type === 'context-compacted' && compacted.dropped).toContain('call_1');
    const ends = events.filter(
      (event): event is JournalEvent<'tool-call-end'> => event.type === 'tool-call-end',
    );
    const first = ends.find((event) => event.toolCallId === 'call_1');
    const recalled = ends.filter((event) => event.tool === 'recall_output');
    expect(recalled).toHaveLength(2);
    // The first read's output, whole, as the model saw it before compaction dropped it.
    expect(recalled[0]?.isError).toBe(false);
    expect(recalled[0]?.output).toContain(first?.output);
    expect(recalled[0]?.output).toContain('first line 0299');
    // An id the conversation never had gets an error that says what to do instead.
    expect(recalled[1]).toMatchObject({ isError: true });
    expect(recalled[1]?.output).toMatch(/no output of a call "call_99".*call the tool again/);
    // Nothing ran again: one read of first.txt in the whole task.
    const reads = events.filter(
      (event) =>
        event.type === 'tool-call-start' &&
        event.tool === 'read_file' &&
        (event.input as { path?: string }).path === 'first.txt',
    );
    expect(reads).toHaveLength(1);
    // The stub the model was shown names the call and the tool that brings it back.
    const stubbed = JSON.stringify(replayJournal(events).messages);
    expect(stubbed).toContain('recall_output {\\"call_id\\":\\"call_1\\"} shows it again');
    // Judged by policy like every tool call.
    const decisions = events.filter((event) => event.type === 'decision' && event.tool === 'recall_output');
    expect(decisions).toHaveLength(2);
  });
});
