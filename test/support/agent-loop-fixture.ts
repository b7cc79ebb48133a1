import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { ApprovalGate, ApprovalStatus } from '../../src/agent/approval-gate.ts';
import type { AnyToolDefinition, ToolContext } from '../../src/agent/tools/tool.ts';
import { createWorkspaceFiles } from '../../src/agent/tools/workspace-files.ts';
import { CircuitBreakers, SpendLedger, TaskGuard } from '../../src/guard/index.ts';
import { Journal } from '../../src/journal/index.ts';
import {
  createModelClient,
  loadPriceTable,
  type ModelClient,
  type ModelRequest,
  type ModelTurn,
  type ScriptedTurn,
} from '../../src/model/index.ts';
import { UserError } from '../../src/spec/errors.ts';
import type { EventType, JournalEvent } from '../../src/spec/journal-events.ts';
import type { PolicyDecider } from '../../src/spec/policy.ts';
import type { ExecResult } from '../../src/spec/sandbox.ts';
import type { Decision, DecisionKind, ToolCall } from '../../src/spec/types.ts';
import {
  openSqliteStore,
  SqliteBreakerStore,
  SqliteSpendStore,
  type SqliteStore,
} from '../../src/store/index.ts';

/** The price key the fixture's scripted models are charged as. */
export const PRICED_KEY = 'anthropic:claude-haiku-4-5';

/** One task's loop parts on a real SQLite file in a temp dir: the journal, the guard and its breakers. */
export interface LoopFixture {
  dir: string;
  taskId: string;
  store: SqliteStore;
  journal: Journal;
  guard: TaskGuard;
  breakers: CircuitBreakers;
  /** The task's journal event types, in order. */
  types(): Promise<string[]>;
  /** The task's journal events of `type`. */
  events<T extends EventType>(type: T): Promise<JournalEvent<T>[]>;
  close(): Promise<void>;
}

export interface LoopFixtureOptions {
  /** The task's dollar limit; default $1. */
  taskUsd?: number | null;
  /** The tool-error breaker's window (it opens on more than half of it failing); default 20. */
  toolErrorWindow?: number;
}

/** Opens a fresh store in a temp dir with one task row `t1`; `close` removes everything. */
export async function openLoopFixture(options: LoopFixtureOptions = {}): Promise<LoopFixture> {
  const dir = mkdtempSync(path.join(tmpdir(), 'warden-loop-'));
  const store = openSqliteStore(path.join(dir, 'warden.db'));
  const taskId = 't1';
  await store.createTask({
    id: taskId,
    prompt: 'fix it',
    repo: dir,
    baseCommit: '0'.repeat(40),
    model: PRICED_KEY,
    requestedBy: 'test',
    createdAt: new Date().toISOString(),
  });
  const journal = new Journal(store);
  const breakers = new CircuitBreakers({
    book: new SqliteBreakerStore(store.database),
    settings: {
      toolErrorWindow: options.toolErrorWindow ?? 20,
      toolErrorRate: 0.5,
      providerFailures: 3,
      providerOpenSeconds: 60,
      openSeconds: 600,
      agentTaskTrips: 3,
      fleetAgentTrips: 3,
      tripWindowSeconds: 3600,
      probeTimeoutSeconds: 300,
    },
  });
  const ledger = new SpendLedger({
    book: new SqliteSpendStore(store.database),
    limits: {
      taskUsd: options.taskUsd === undefined ? 1 : options.taskUsd,
      taskTokens: null,
      agentDailyUsd: null,
      agentDailyTokens: null,
      teamDailyUsd: null,
      teamDailyTokens: null,
      fleetDailyUsd: null,
      fleetDailyTokens: null,
    },
  });
  const guard = await TaskGuard.open({ scopes: { taskId, agent: 'coder' }, ledger, breakers });
  const events = async () => journal.events(taskId);
  return {
    dir,
    taskId,
    store,
    journal,
    guard,
    breakers,
    types: async () => (await events()).map((event) => event.type),
    // The filter narrows by type, which the compiler cannot follow through a generic.
    events: async <T extends EventType>(type: T) =>
      (await events()).filter((event) => event.type === type) as unknown as JournalEvent<T>[],
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The real scripted model over `turns`, written to a file in `dir` and priced as {@link PRICED_KEY}. */
export async function scriptedModel(dir: string, name: string, turns: ScriptedTurn[]): Promise<ModelClient> {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ model: PRICED_KEY, turns }));
  return createModelClient({ spec: `scripted:${file}`, env: {}, priceTable: loadPriceTable() });
}

/** A model client double: answers each call with the next of `answers` (a turn or an error to throw). */
export class RecordingModel implements ModelClient {
  readonly label: string;
  readonly priceKey = PRICED_KEY;
  readonly provider = 'anthropic' as const;
  /** Every request it was asked, with a copy of the conversation as it was at the call. */
  readonly requests: (ModelRequest & { messageCount: number })[] = [];
  readonly #answers: (Partial<ModelTurn> | Error)[];
  readonly #during: ((request: ModelRequest) => Promise<void>) | undefined;

  /** @param during Runs inside each call, before it answers (to journal route decisions, move a clock). */
  constructor(
    label: string,
    answers: (Partial<ModelTurn> | Error)[],
    during?: (request: ModelRequest) => Promise<void>,
  ) {
    this.label = label;
    this.#answers = [...answers];
    this.#during = during;
  }

  async generate(request: ModelRequest): Promise<ModelTurn> {
    this.requests.push({
      ...request,
      messages: [...request.messages],
      messageCount: request.messages.length,
    });
    await this.#during?.(request);
    const answer = this.#answers.shift();
    if (answer === undefined) {
      throw new UserError('scripted-turns-exhausted', `${this.label} has no answer left`, {
        hint: 'give the test double one answer per model call',
      });
    }
    if (answer instanceof Error) throw answer;
    const text = answer.text ?? '';
    const toolCalls = answer.toolCalls ?? [];
    return {
      text,
      toolCalls,
      finishReason: toolCalls.length > 0 ? 'tool-calls' : 'stop',
      usage: { input: 100, output: 10, cacheRead: 0, cacheWrite: 0 },
      rawUsage: { input_tokens: 100, output_tokens: 10 },
      cost: { usd: 0.00015, priceKey: PRICED_KEY, priceTableVersion: loadPriceTable().version },
      latencyMs: 1,
      responseMessages: [
        {
          role: 'assistant',
          content: [
            ...(text ? [{ type: 'text' as const, text }] : []),
            ...toolCalls.map((call) => ({
              type: 'tool-call' as const,
              toolCallId: call.id,
              toolName: call.name,
              input: call.input,
            })),
          ],
        },
      ],
      batch: false,
      ...answer,
    };
  }
}

/** A decider double: answers `decision` for every call (per tool name when given) and records the calls. */
export function recordingDecider(
  decisions: Record<string, DecisionKind> = {},
  fallback: DecisionKind = 'allow',
): PolicyDecider & { asked: ToolCall[] } {
  const asked: ToolCall[] = [];
  return {
    name: 'test-rules',
    asked,
    async decide(call: ToolCall): Promise<Decision> {
      asked.push(call);
      const decision = decisions[call.name] ?? fallback;
      return { decision, reasons: [`${call.name} is ${decision}`], policyIds: [`test-${decision}`] };
    },
  };
}

/** An approval gate double that answers every request with `status` and records the requests. */
export function recordingApprovals(
  status: ApprovalStatus['status'],
): ApprovalGate & { requested: ToolCall[] } {
  const requested: ToolCall[] = [];
  return {
    requested,
    async request(_taskId, call) {
      requested.push(call);
      const approvalId = `approval-${requested.length}`;
      if (status === 'pending') return { status, approvalId };
      if (status === 'denied') return { status, approvalId, by: 'lead', reason: 'not now' };
      return { status, approvalId, by: 'lead' };
    },
  };
}

/** Test tools: `echo {text}` answers its text; `fail {}` always fails; `run {command}` runs through `exec`. */
export function testTools(): { tools: AnyToolDefinition[]; ran: string[] } {
  const ran: string[] = [];
  const tools: AnyToolDefinition[] = [
    {
      name: 'echo',
      description: 'answers its text',
      input: z.object({ text: z.string() }),
      async run(input: { text: string }) {
        ran.push(`echo ${input.text}`);
        return { output: input.text, isError: false };
      },
    },
    {
      name: 'fail',
      description: 'always fails',
      input: z.object({}),
      async run() {
        ran.push('fail');
        return { output: 'it broke', isError: true };
      },
    },
    {
      name: 'run',
      description: 'runs a command',
      input: z.object({ command: z.string() }),
      async run(input: { command: string }, context) {
        ran.push(`run ${input.command}`);
        const result = await context.exec(input.command, { timeoutMs: context.maxCommandTimeoutMs });
        return { output: result.stdout, isError: result.exitCode !== 0, exitCode: result.exitCode };
      },
    },
  ];
  return { tools, ran };
}

/** A tool context over `dir` whose `exec` records each command and its timeout and answers `exit 0`. */
export function recordingToolContext(
  dir: string,
): ToolContext & { executed: { command: string; timeoutMs: number }[] } {
  const executed: { command: string; timeoutMs: number }[] = [];
  return {
    executed,
    files: createWorkspaceFiles(dir),
    async exec(command, options) {
      executed.push({ command, timeoutMs: options.timeoutMs });
      return execResult({ stdout: `ran ${command}` });
    },
    commandTimeoutMs: 30_000,
    maxCommandTimeoutMs: 600_000,
  };
}

/** An `ExecResult` of a command that exited 0 in no time, with `overrides`. */
export function execResult(overrides: Partial<ExecResult> = {}): ExecResult {
  return {
    exitCode: 0,
    signal: null,
    stdout: '',
    stderr: '',
    stdoutBytes: 0,
    stderrBytes: 0,
    truncated: false,
    timedOut: false,
    limitsExceeded: [],
    durationMs: 1,
    ...overrides,
  };
}

/** A tool call as a model would make it. */
export function toolCall(id: string, name: string, input: Record<string, unknown> = {}): ToolCall {
  return { id, name, input };
}
