import { readFile } from 'node:fs/promises';
import {
  type AgentAttempt,
  type EvalInstance,
  type EvalProgress,
  type EvalReport,
  type PatchProvider,
  parsePredictions,
  parseSuite,
  runEval,
} from '../eval/index.ts';
import { runGit } from '../sandbox/index.ts';
import { UserError } from '../spec/errors.ts';
import type { JournalEvent } from '../spec/journal-events.ts';
import type { Warden } from './warden.ts';

/** `warden eval run` as the CLI asks for it. */
export interface EvalRunRequest {
  suite: string;
  /** A SWE-bench predictions file, or `gold` for each instance's own patch; absent: run `agent`. */
  predictions?: string | undefined;
  /** The declared agent to run on each instance (an instance's `agent` wins); with no predictions. */
  agent?: string | undefined;
  /** A model spec for the agent; default the agent's. */
  model?: string | undefined;
  epochs?: number | undefined;
  concurrency?: number | undefined;
  /** Only these instance ids. */
  instances?: readonly string[] | undefined;
  outDir: string;
  onProgress?: ((progress: EvalProgress) => void) | undefined;
}

/**
 * Runs a suite: evaluates a predictions file or the gold patches, or runs the real agent on each instance
 * (the config, sandbox, policy and budget of production; deliver nothing; the agent's branch lands in a
 * clone the run owns) and evaluates its change. Resumable: trials `outDir` has finished are not run again.
 *
 * @throws UserError `eval-suite-invalid`, `eval-predictions-invalid`, `usage` (no source, an unknown
 *   instance id, a directory holding another run).
 */
export async function runEvalSuite(warden: Warden, request: EvalRunRequest): Promise<EvalReport> {
  const suiteText = await readInput(request.suite, 'eval-suite-invalid');
  let instances = parseSuite(suiteText, request.suite);
  if (request.instances !== undefined) {
    const known = new Set(instances.map((instance) => instance.instanceId));
    const unknown = request.instances.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new UserError('usage', `--instances: ${unknown.join(', ')} not in ${request.suite}`);
    }
    const wanted = new Set(request.instances);
    instances = instances.filter((instance) => wanted.has(instance.instanceId));
  }
  const provider = await providerOf(warden, request);
  return await runEval({
    suite: request.suite,
    instances,
    provider,
    epochs: request.epochs ?? 1,
    concurrency: request.concurrency ?? 1,
    outDir: request.outDir,
    driver: warden.sandboxDriver(),
    onProgress: request.onProgress,
  });
}

async function providerOf(warden: Warden, request: EvalRunRequest): Promise<PatchProvider> {
  if (request.predictions === 'gold') return { source: 'gold' };
  if (request.predictions !== undefined) {
    const text = await readInput(request.predictions, 'eval-predictions-invalid');
    const predictions = parsePredictions(text, request.predictions);
    const patches = new Map([...predictions].map(([id, prediction]) => [id, prediction.patch]));
    return { source: 'predictions', file: request.predictions, patches };
  }
  if (request.agent === undefined && request.model === undefined) {
    throw new UserError(
      'usage',
      'nothing to evaluate: give --predictions FILE, --predictions gold, or --agent NAME',
      {
        hint: 'warden eval run --suite FILE --predictions gold --out DIR validates a suite',
      },
    );
  }
  return {
    source: 'agent',
    agent: request.agent,
    model: request.model,
    solve: (instance, repository) => solveWithAgent(warden, request, instance, repository),
  };
}

/** Runs the agent on one instance as a production task would run, and reads back its change and figures. */
async function solveWithAgent(
  warden: Warden,
  request: EvalRunRequest,
  instance: EvalInstance,
  repository: string,
): Promise<AgentAttempt> {
  const result = await warden.runTask({
    repo: repository,
    task: instance.problemStatement,
    startAt: instance.baseCommit,
    agent: instance.agent ?? request.agent,
    model: request.model,
    maxUsd: instance.budgetUsd,
    deliver: false,
    createBranch: true,
    requestedBy: 'warden eval',
  });
  const commit = result.branch?.commit;
  const patch =
    commit === undefined
      ? ''
      : (
          await runGit(
            ['diff', '--binary', '--no-color', '--no-ext-diff', '--no-textconv', instance.baseCommit, commit],
            { cwd: repository },
          )
        ).stdout;
  const { events } = await warden.trace(result.task.id);
  return {
    patch,
    taskId: result.task.id,
    taskStatus: result.task.status,
    costUsd: result.task.costUsd,
    ...figuresOf(events),
  };
}

/** Tokens, tool calls and errors, policy denials and an early exit, from a task's journal. */
export function figuresOf(
  events: readonly JournalEvent[],
): Pick<AgentAttempt, 'tokens' | 'toolCalls' | 'toolErrors' | 'policyDenials' | 'earlyExit'> {
  let tokens = 0;
  let toolCalls = 0;
  let toolErrors = 0;
  let policyDenials = 0;
  let earlyExit = false;
  for (const event of events) {
    if (event.type === 'model-response') {
      const usage = event.usage;
      tokens += usage.input + usage.output + usage.cacheRead + usage.cacheWrite + (usage.cacheWrite1h ?? 0);
    } else if (event.type === 'tool-call-end') {
      toolCalls += 1;
      if (event.isError) toolErrors += 1;
    } else if (event.type === 'decision' && event.decision === 'deny') {
      policyDenials += 1;
    } else if (event.type === 'pre-check' && event.outcome !== undefined) {
      earlyExit = true;
    }
  }
  return { tokens, toolCalls, toolErrors, policyDenials, earlyExit };
}

async function readInput(
  file: string,
  code: 'eval-suite-invalid' | 'eval-predictions-invalid',
): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UserError(code, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`, {
      cause: error,
    });
  }
}
