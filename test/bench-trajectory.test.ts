import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { splitTask } from '../bench/task-split.ts';
import { demoRepositoryPlan, largeRepositoryPlan, trajectoryTurns } from '../bench/trajectory.ts';
import { parseScriptedFile } from '../src/model/scripted-file.ts';
import type { JournalEvent } from '../src/spec/journal-events.ts';

const DEMO_REPO = fileURLToPath(new URL('../examples/demo/repo/', import.meta.url));

describe("the real-repository benchmark's trajectory", () => {
  it('is a scripted file Warden reads: 30 tool steps of the documented mix, then a final answer', () => {
    const scripted = trajectoryTurns(demoRepositoryPlan());
    const turns = parseScriptedFile(JSON.stringify(scripted), 'trajectory.json').turns ?? [];
    const calls = turns.flatMap((turn) => turn.tool_calls ?? []);
    const count = (name: string) => calls.filter((call) => call.name === name).length;
    expect(calls).toHaveLength(30);
    expect([
      count('list_files'),
      count('search'),
      count('read_file'),
      count('edit_file'),
      count('shell'),
    ]).toEqual([3, 4, 6, 1, 16]);
    expect(turns.at(-1)?.tool_calls).toBeUndefined();
  });

  it("on the demo repository reads files that exist and makes the demo's fix, which occurs once", () => {
    const plan = demoRepositoryPlan();
    for (const file of plan.reads) expect(existsSync(path.join(DEMO_REPO, file)), file).toBe(true);
    const source = readFileSync(path.join(DEMO_REPO, plan.edit.path), 'utf8');
    expect(source.split(plan.edit.old_string)).toHaveLength(2);
  });

  it('refuses a large repository without six large files to read', () => {
    const edit = { path: 'a', old_string: 'b', new_string: 'c' };
    expect(() => largeRepositoryPlan(['one', 'two'], edit)).toThrow(/six large files/);
  });
});

describe("the split of Warden's time", () => {
  const event = (type: string, at: number, fields: Record<string, unknown> = {}) =>
    ({ type, at: new Date(at).toISOString(), ...fields }) as unknown as JournalEvent;

  it('adds up to the wall time, the workspace starting with the git processes that end at task-start', () => {
    const spawnAt = Date.parse('2026-12-03T00:00:00.000Z');
    const events = [
      event('task-start', spawnAt + 900),
      event('workspace-ready', spawnAt + 950),
      event('model-request', spawnAt + 1000),
      event('model-response', spawnAt + 1010),
      event('tool-call-end', spawnAt + 1200, { tool: 'shell', durationMs: 150 }),
      event('model-request', spawnAt + 1210),
      event('model-response', spawnAt + 1220),
      event('check', spawnAt + 1500),
      event('branch-created', spawnAt + 1600),
      event('task-end', spawnAt + 1650),
    ];
    const probe = {
      timeOrigin: spawnAt + 20,
      maxRssKb: 204_800,
      spawns: [
        { program: 'git', args: ['rev-parse'], startedAt: spawnAt + 300, endedAt: spawnAt + 310 },
        { program: 'bwrap', args: [], startedAt: spawnAt + 400, endedAt: spawnAt + 450 },
        { program: '/usr/bin/git', args: ['status'], startedAt: spawnAt + 500, endedAt: spawnAt + 520 },
        { program: 'git', args: ['fetch'], startedAt: spawnAt + 600, endedAt: spawnAt + 800 },
      ],
    };
    const split = splitTask(events, { spawnAt, exitAt: spawnAt + 1800 }, probe);
    expect(split).toMatchObject({
      wallMs: 1800,
      startUpMs: 500,
      workspaceMs: 400,
      setupMs: 100,
      stepsMs: 220,
      steps: 2,
      toolMs: 150,
      checkMs: 280,
      branchMs: 100,
      finishMs: 200,
      firstModelCallMs: 1000,
      commandMs: 430,
      maxRssMb: 200,
    });
    const phases = [
      'startUpMs',
      'workspaceMs',
      'setupMs',
      'stepsMs',
      'checkMs',
      'branchMs',
      'finishMs',
    ] as const;
    expect(phases.reduce((sum, phase) => sum + split[phase], 0)).toBe(split.wallMs);
  });
});
