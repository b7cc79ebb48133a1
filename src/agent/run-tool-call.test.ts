import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApprovalInbox } from '../actions/index.ts';
import { Journal } from '../journal/index.ts';
import type { PolicyDecider } from '../spec/policy.ts';
import type { ToolCall } from '../spec/types.ts';
import { openSqliteStore, SqliteApprovalStore } from '../store/index.ts';
import { runToolCall, type ToolCallSettings } from './run-tool-call.ts';
import { writeFileTool } from './tools/file-tools.ts';
import type { AnyToolDefinition, ToolContext } from './tools/tool.ts';
import { createWorkspaceFiles } from './tools/workspace-files.ts';

/** A decider that allows everything and records what it was asked. */
function recordingDecider(): PolicyDecider & { asked: string[] } {
  const asked: string[] = [];
  return {
    name: 'allow-all',
    asked,
    async decide(call: ToolCall) {
      asked.push(call.name);
      return { decision: 'allow', reasons: [], policyIds: ['allow-all'] };
    },
  };
}

const never: AnyToolDefinition = {
  name: 'hang',
  description: 'never answers',
  input: z.object({}),
  timeoutMs: 50,
  run: () => new Promise(() => {}),
};

const slow: AnyToolDefinition = { ...never, name: 'slow', timeoutMs: undefined };

async function settingsWith(decider: PolicyDecider, remainingMs?: () => number): Promise<ToolCallSettings> {
  const store = openSqliteStore(':memory:');
  await store.createTask({
    id: 'task-1',
    prompt: 'p',
    repo: '/r',
    baseCommit: 'c',
    model: 'm',
    requestedBy: 'test',
    createdAt: new Date().toISOString(),
  });
  const journal = new Journal(store);
  return {
    taskId: 'task-1',
    journal,
    decider,
    tools: new Map([
      [never.name, never],
      [slow.name, slow],
    ]),
    context: {} as ToolContext,
    outputChars: 10_000,
    remainingMs,
  };
}

describe('runToolCall', () => {
  it('abandons a tool that hangs past its own timeout, as a failed call', async () => {
    const outcome = await runToolCall(await settingsWith(recordingDecider()), {
      id: '1',
      name: 'hang',
      input: {},
    });
    expect(outcome).toMatchObject({ kind: 'done', result: { isError: true } });
    expect(outcome.kind === 'done' && outcome.shown).toMatch(/did not finish in 50 ms/);
  });

  it("bounds a tool without a timeout by the task's remaining wall time", async () => {
    const outcome = await runToolCall(await settingsWith(recordingDecider(), () => 20), {
      id: '1',
      name: 'slow',
      input: {},
    });
    expect(outcome.kind === 'done' && outcome.shown).toMatch(/wall time ran out/);
  });

  it('answers a made-up tool name such as __proto__ as "no such tool", without asking policy', async () => {
    const decider = recordingDecider();
    const settings = await settingsWith(decider);
    for (const name of ['__proto__', 'constructor', 'nope']) {
      const outcome = await runToolCall(settings, { id: name, name, input: {} });
      expect(outcome.kind === 'done' && outcome.shown).toMatch(
        new RegExp(`^there is no tool named ${name}; the tools are hang, slow`),
      );
    }
    expect(decider.asked).toEqual([]);
    const decisions = (await settings.journal.events('task-1')).filter((event) => event.type === 'decision');
    expect(decisions.map((event) => event.policyIds)).toEqual([
      ['no-such-tool'],
      ['no-such-tool'],
      ['no-such-tool'],
    ]);
  });

  it('runs an approved call once with the protected path it names writable, and nothing else', async () => {
    const workspace = mkdtempSync(path.join(tmpdir(), 'warden-approved-call-'));
    try {
      const asking: PolicyDecider = {
        name: 'ask-all',
        decide: async () => ({ decision: 'ask', reasons: ['a human decides'], policyIds: ['ask-all'] }),
      };
      const base = await settingsWith(asking);
      const store = new SqliteApprovalStore(openSqliteStore(':memory:').database);
      const settings: ToolCallSettings = {
        ...base,
        approvals: new ApprovalInbox({ store }),
        tools: new Map([[writeFileTool.name, writeFileTool]]),
        context: { files: createWorkspaceFiles(workspace) } as ToolContext,
      };
      const write = (id: string, file: string): ToolCall => ({
        id,
        name: 'write_file',
        input: { path: file, content: 'on: push\n' },
      });
      const first = await runToolCall(settings, write('c1', '.github/workflows/ci.yml'));
      expect(first.kind).toBe('paused');
      await store.decide((first as { approvalId: string }).approvalId, { approve: true, by: 'alice' });

      const approved = await runToolCall(settings, write('c2', '.github/workflows/ci.yml'));
      expect(approved).toMatchObject({ kind: 'done', result: { isError: false } });
      expect(readFileSync(path.join(workspace, '.github/workflows/ci.yml'), 'utf8')).toBe('on: push\n');
      // Spent: the same call again, or another path, waits for a new decision.
      expect((await runToolCall(settings, write('c3', '.github/workflows/ci.yml'))).kind).toBe('paused');
      expect((await runToolCall(settings, write('c4', '.envrc'))).kind).toBe('paused');
      expect(existsSync(path.join(workspace, '.envrc'))).toBe(false);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });
});
