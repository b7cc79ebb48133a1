import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayJournal } from '../../src/agent/replay-journal.ts';
import { createLiveView, usageWarning } from '../../src/cli/live-view.ts';
import { Journal } from '../../src/journal/index.ts';
import { policyStats } from '../../src/policy/policy-stats.ts';
import { isEventType, type JournalEvent } from '../../src/spec/journal-events.ts';
import type { TaskUpdate } from '../../src/spec/store.ts';
import { openSqliteStore } from '../../src/store/index.ts';
import { runWarden, scratch } from '../support/cli.ts';

/**
 * Journals written before event types were declared, stored exactly as that code stored them (see the
 * fixture's description): they must still verify and read through the typed journal.
 */
const FIXTURE = JSON.parse(
  readFileSync(new URL('../fixtures/journal/journal-before-types.json', import.meta.url), 'utf8'),
) as { tasks: Array<{ events: JournalEvent[] }> };
const tasks = FIXTURE.tasks.map((task) => task.events);
const [approved, stuck, overBudget, everyOther] = tasks as [
  JournalEvent[],
  JournalEvent[],
  JournalEvent[],
  JournalEvent[],
];

/** What the task row says after `event`, as the code that wrote the fixture updated it. */
function rowAfter(event: JournalEvent): TaskUpdate {
  switch (event.type) {
    case 'task-end':
      return {
        status: event.status,
        stopReason: event.stopReason,
        steps: event.steps,
        costUsd: event.costUsd,
        branch: event.branch ?? null,
      };
    case 'task-pause':
      return {
        status: event.status,
        stopReason: event.stopReason,
        steps: event.steps,
        costUsd: event.costUsd,
      };
    case 'task-interrupted':
      return { status: 'interrupted', steps: event.steps, costUsd: event.costUsd };
    case 'task-resume':
      return { status: 'running' };
    default:
      return {};
  }
}

describe('journals written before event types were declared', () => {
  const work = scratch('stored-journal');
  const dataDir = path.join(work.dir, 'home');

  beforeAll(async () => {
    const store = openSqliteStore(path.join(dataDir, 'warden.db'));
    for (const events of tasks) {
      const start = events[0]!;
      if (start.type !== 'task-start') throw new Error('the fixture must begin each task with task-start');
      await store.createTask({ ...start, id: start.taskId, model: start.model, createdAt: start.at });
      // The rows as stored, not appended again: their hashes are the old code's.
      for (const event of events) await store.appendEvent(event, rowAfter(event));
    }
    await store.close();
  });
  afterAll(work.cleanup);

  it('keeps every event type it used', () => {
    const unknown = tasks.flat().filter((event) => !isEventType(event.type));
    expect(unknown.map((event) => event.type)).toEqual([]);
  });

  it('verifies every chain as stored', async () => {
    const store = openSqliteStore(path.join(dataDir, 'warden.db'));
    try {
      const journal = new Journal(store);
      for (const events of tasks) {
        expect(await journal.verify(events[0]!.taskId)).toEqual({
          ok: true,
          events: events.length,
          state: events.at(-1)?.type === 'task-interrupted' ? 'interrupted' : 'complete',
        });
      }
    } finally {
      await store.close();
    }
  });

  it('resumes from an old journal exactly as the task stood', () => {
    const resume = replayJournal(
      approved.slice(
        0,
        approved.findIndex((event) => event.type === 'task-pause'),
      ),
    );
    expect(resume.steps).toBe(3);
    expect(resume.pendingCalls.map((call) => call.input)).toEqual([{ command: 'factor 12' }]);
    expect(resume.spentUsd).toBeCloseTo(0.0036, 9);
    expect(resume.messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
      'tool',
      'assistant',
    ]);
  });

  it('shows old events live and counts their decisions', () => {
    const view = createLiveView();
    const lines = [...approved, ...stuck, ...overBudget].map(view).filter(Boolean);
    expect(lines).toContain('  shell git push origin main  [deny] failed  0 ms\n');
    expect(lines.some((line) => line?.startsWith('stopped, stuck: shell {"command":"false"} failed'))).toBe(
      true,
    );
    expect(everyOther.map(usageWarning).filter(Boolean)).toEqual([
      'warning: step 1: anthropic:claude-haiku-4-5 reported no usage; booked its $0.0300 reservation\n',
      'warning: step 2: anthropic:claude-haiku-4-5 reported impossible usage (output tokens above the requested maximum); booked its $0.0300 reservation, counted as a provider error\n',
    ]);
    const stats = policyStats(tasks.map((events) => ({ agent: 'default', events })));
    expect(stats.byPolicy.find((row) => row.key === 'shell-no-push')).toMatchObject({ deny: 1 });
    expect(stats.byTool.find((row) => row.key === 'forge.open_pr')).toMatchObject({ allow: 1 });
  });

  it('prints every old event with `warden trace` and reports the chain verified', async () => {
    for (const events of [approved, everyOther]) {
      const taskId = events[0]!.taskId;
      const trace = await runWarden(['trace', taskId, '--data-dir', dataDir]);
      expect(trace.code, trace.stderr).toBe(0);
      expect(trace.stdout).toContain(`journal: ${events.length} events, chain verified`);
      const lines = trace.stdout.split('\n').filter((line) => /^\s+\d+ {2}/.test(line));
      expect(lines).toHaveLength(events.length);
    }
    const other = await runWarden(['trace', everyOther[0]!.taskId, '--data-dir', dataDir]);
    expect(other.stdout).toContain('left out: vendor/.git (nested-git)');
    expect(other.stdout).toContain('process 4242 gone; 2 steps');
    expect(other.stdout).toMatch(/route-decision\s+\{"step":1,"kind":"retry"/);
  });

  // Last: it damages the store the other tests read.
  it('still prints a journal whose rows were edited into other shapes, and says where it broke', async () => {
    const raw = new DatabaseSync(path.join(dataDir, 'warden.db'));
    const taskId = approved[0]!.taskId;
    const edit = raw.prepare('UPDATE events SET body = ? WHERE task_id = ? AND seq = ?');
    const request = approved.find((event) => event.type === 'model-request')!;
    const response = approved.find((event) => event.type === 'model-response')!;
    edit.run(JSON.stringify({ step: 'one' }), taskId, request.seq);
    edit.run(JSON.stringify({ usage: null, toolCalls: 'none' }), taskId, response.seq);
    raw.close();
    const trace = await runWarden(['trace', taskId, '--data-dir', dataDir]);
    expect(trace.code).toBe(1);
    expect(trace.stdout).toContain(`chain BROKEN at event ${request.seq}: content does not match its hash`);
    const lines = trace.stdout.split('\n').filter((line) => /^\s+\d+ {2}/.test(line));
    expect(lines).toHaveLength(approved.length);
    expect(lines[response.seq - 1]).toContain('{"usage":null,"toolCalls":"none"}');
  });
});
