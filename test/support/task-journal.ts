import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Journal } from '../../src/journal/index.ts';
import { openSqliteStore } from '../../src/store/index.ts';

/** What `fillTaskJournal` writes: the task's words, its steps, and what its tool calls answer. */
export interface FilledTask {
  steps: number;
  prompt?: string;
  /** Every tool call's output (a shell command's). */
  toolOutput?: string;
  /** The model's reply text of every step. */
  replyText?: string;
  /** Steps (from the end) written as a child of the task (`subtask:fix`), as an orchestrator's are. */
  childSteps?: number;
}

/**
 * Writes one finished task straight into the data directory's store through the store and journal
 * APIs (no model, no sandbox): `task-start`, `workspace-ready`, then per step a model call asking for a
 * `shell` tool call, its policy decision, the call and its output, then a passing check, a branch and
 * `task-end`. Returns the task's id. Events are hash-chained exactly as a run writes them.
 */
export async function fillTaskJournal(dataDir: string, options: FilledTask): Promise<string> {
  const store = openSqliteStore(path.join(dataDir, 'warden.db'));
  const journal = new Journal(store);
  const taskId = `t-${randomUUID().slice(0, 8)}`;
  const prompt = options.prompt ?? 'make the failing test pass';
  const model = 'anthropic:claude-haiku-4-5';
  await store.createTask({
    id: taskId,
    prompt,
    repo: '/repo',
    baseCommit: 'a'.repeat(40),
    model,
    requestedBy: 'bench',
    createdAt: new Date().toISOString(),
  });
  await journal.append(taskId, 'task-start', {
    prompt,
    repo: '/repo',
    baseCommit: 'a'.repeat(40),
    model,
    requestedBy: 'bench',
    agent: 'default',
    team: 'default',
    createBranch: true,
    limits: {},
  });
  await journal.append(taskId, 'workspace-ready', {
    baseCommit: 'a'.repeat(40),
    dirty: false,
    sandbox: 'bubblewrap',
    check: { command: 'npm test', source: 'agent.check' },
  });
  const child = journal.forChild('subtask:fix');
  let spent = 0;
  for (let step = 1; step <= options.steps; step++) {
    const writer = step > options.steps - (options.childSteps ?? 0) ? child : journal;
    const toolCallId = `call-${step}`;
    const input = { command: `npm test -- --grep case-${step}` };
    await writer.append(taskId, 'model-request', {
      step,
      model,
      priceKey: model,
      messages: step * 2,
      estimatedInputTokens: 2_000 + step * 10,
      maxOutputTokens: 4_096,
      reservedUsd: 0.03,
    });
    const costUsd = 0.0021;
    spent += costUsd;
    await writer.append(taskId, 'model-response', {
      step,
      model,
      finishReason: 'tool-calls',
      text: options.replyText ?? `step ${step}: running the test again`,
      toolCalls: [{ id: toolCallId, name: 'shell', input }],
      usage: { input: 200, output: 40, cacheRead: 1_800 + step * 10, cacheWrite: 0 },
      rawUsage: { input_tokens: 200, output_tokens: 40 },
      costUsd,
      priceKey: model,
      priceTableVersion: 'bench',
      batch: false,
      latencyMs: 850,
      spentUsd: spent,
    });
    await writer.append(taskId, 'decision', {
      decision: 'allow',
      reasons: [],
      policyIds: ['shell-default'],
      toolCallId,
      tool: 'shell',
      decider: 'cedar',
    });
    await writer.append(taskId, 'tool-call-start', { toolCallId, tool: 'shell', input });
    const output = options.toolOutput ?? `> npm test\n1 passing, 1 failing (case-${step})\n`;
    await writer.append(taskId, 'tool-call-end', {
      toolCallId,
      tool: 'shell',
      output,
      outputChars: output.length,
      outputTrimmed: false,
      isError: false,
      exitCode: 1,
      durationMs: 1_200,
    });
  }
  await journal.append(taskId, 'check', {
    step: options.steps,
    check: 'npm test',
    passed: true,
    summary: 'all tests pass',
    output: '3 passing\n',
  });
  await journal.append(taskId, 'branch-created', {
    branch: `warden/${taskId}`,
    commit: 'b'.repeat(40),
    stat: { filesChanged: 2, insertions: 14, deletions: 3 },
  });
  await journal.appendAndUpdate(
    taskId,
    'task-end',
    {
      status: 'succeeded',
      stopReason: 'finished',
      detail: 'the check passed',
      steps: options.steps,
      costUsd: spent,
      tokens: options.steps * 2_240,
      cacheHitRatio: 0.9,
      branch: `warden/${taskId}`,
      verification: 'passed',
    },
    {
      status: 'succeeded',
      stopReason: 'finished',
      steps: options.steps,
      costUsd: spent,
      branch: `warden/${taskId}`,
      endedAt: new Date().toISOString(),
    },
  );
  await store.close();
  return taskId;
}
