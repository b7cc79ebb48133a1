import type { TaskGuard } from '../guard/index.ts';
import type { Journal } from '../journal/index.ts';
import type { ModelClient } from '../model/index.ts';
import type { JournalEvent } from '../spec/journal-events.ts';
import type { ExecResult } from '../spec/sandbox.ts';
import { RESUMABLE_STOPS } from '../spec/types.ts';
import { withLocalization } from './localize-step.ts';
import type { LoopStop } from './loop-stop.ts';
import { exitMeets } from './pre-checks.ts';
import { type ResumeState, replayJournal } from './replay-journal.ts';
import { truncateText } from './truncate-text.ts';

/** A pipeline stage that runs a command: the pipeline goes on only when its exit status meets `expect`. */
export interface CommandStage {
  kind: 'command';
  name: string;
  command: string;
  expect: 'exit-0' | 'exit-nonzero';
  /** How the task ends when the command does not meet `expect`. */
  outcome: 'already-done' | 'not-actionable' | 'failed';
  /** What the task's detail says then; undefined: the outcome's name. */
  says?: string | undefined;
}

/** A pipeline stage that runs a model loop with its own model, tools, step limit and check. */
export interface ModelStage {
  kind: 'model';
  name: string;
  /** The stage's instructions, given to the model with the task and what earlier stages found. */
  prompt: string;
  /** The tools it may call; undefined: the agent's. */
  tools?: readonly string[] | undefined;
  model: ModelClient;
  /** The cascade above `model`, cheapest first. */
  higherTiers: readonly ModelClient[];
  /** Most model calls the stage may make (within the task's). */
  maxSteps?: number | undefined;
  /** Most the stage's model calls may spend, USD (within the task's budget). */
  maxUsd?: number | undefined;
  /**
   * The command that verifies the stage when its model finishes; `null`: none; undefined: the task's
   * check for the last model stage, none for the others.
   */
  check?: string | null | undefined;
}

export type PipelineStage = CommandStage | ModelStage;

/** What a model stage's loop is given, and what it gives back. */
export interface StageRun {
  stage: ModelStage;
  /** The task's prompt, the stage's instructions and what the earlier stages found. */
  prompt: string;
  /** Model calls the task made before this stage: the loop counts on from there. */
  stepsBefore: number;
  /** The stage's loop as the journal left it, for a resumed task. */
  resume?: ResumeState | undefined;
}

export interface PipelineSettings {
  taskId: string;
  /** The task's prompt, in the user's words. */
  prompt: string;
  stages: readonly PipelineStage[];
  journal: Journal;
  guard: TaskGuard;
  /** Runs a command in the task's sandbox. */
  execute: (command: string) => Promise<ExecResult>;
  /** Runs a model stage's loop; `steps` counts every model call of the task so far. */
  runLoop: (run: StageRun) => Promise<LoopStop & { steps: number; finalText: string }>;
  /** Characters of a command's output handed to the next stage. */
  outputChars: number;
  /** A resumed task: where its pipeline stopped (`pipelineResumeOf`). */
  resume?: PipelineResume | undefined;
  /**
   * Localizes the task once, before its first model stage (`localizeFirstTurn`): the text goes before the
   * prompt of every model stage, each a fresh conversation. Undefined: no localization.
   */
  localize?: (() => Promise<string | undefined>) | undefined;
}

/** Where a resumed pipeline goes on: after its passed stages, inside the stage that was running. */
export interface PipelineResume {
  /** Stages that passed: the pipeline goes on with the next one. */
  passed: number;
  /** What they handed on. */
  found: string[];
  /** Model calls the task made so far. */
  steps: number;
  finalText: string;
  /** The model stage that was running (the next one), rebuilt from its events; undefined: none was. */
  running?: ResumeState | undefined;
  /** Model calls the task had made when that stage started. */
  runningStepsBefore?: number | undefined;
  /** What the running stage cost before a limit stopped it (0 unless it did): its last `stage-end` adds it. */
  runningCostBefore?: number | undefined;
  /**
   * The task's localization as journaled (`context-localized`), which later stages are shown again;
   * undefined: none was made.
   */
  localization?: string | undefined;
  /** The localization is settled (journaled, or a model stage started without one): it is not made again. */
  localized: boolean;
}

/**
 * Runs the stages in order in one workspace, each journaled between `stage-start` and `stage-end`. A
 * command stage that does not meet its expectation ends the task with its `outcome` (`failed`: as an
 * error); a model stage that does not finish (a limit, a failed check, an error) ends the task as its
 * loop ended. Each stage is handed what the earlier ones found: a command's exit status and output, a
 * model stage's last words. The pipeline finishes when its last stage passes.
 */
export async function runPipeline(
  settings: PipelineSettings,
): Promise<LoopStop & { steps: number; finalText: string }> {
  const { journal, taskId, guard, resume } = settings;
  const found: string[] = [...(resume?.found ?? [])];
  let steps = resume?.steps ?? 0;
  let finalText = resume?.finalText ?? '';
  let localization = resume?.localization;
  let localized = resume?.localized ?? false;
  for (const [position, stage] of settings.stages.entries()) {
    if (resume && position < resume.passed) continue;
    // The stage a resumed task was in goes on from its journal; its start is recorded already.
    const running =
      resume && position === resume.passed && stage.kind === 'model' ? resume.running : undefined;
    // Localized once, after the command stages before it (which may end the task for nothing).
    if (stage.kind === 'model' && !running && !localized) {
      localization = await settings.localize?.();
      localized = true;
    }
    const prompt =
      stage.kind === 'model'
        ? withLocalization(localization, stagePrompt(settings, position, found))
        : undefined;
    if (!running) {
      await journal.append(taskId, 'stage-start', {
        stage: stage.name,
        index: position + 1,
        kind: stage.kind,
        command: stage.kind === 'command' ? stage.command : undefined,
        model: stage.kind === 'model' ? stage.model.label : undefined,
        prompt,
      });
    }
    const spentBefore = guard.spent.usd;
    if (stage.kind === 'command') {
      const result = await settings.execute(stage.command);
      const met = exitMeets(result, stage.expect);
      const status = result.timedOut ? 'timed out' : `exited ${result.exitCode}`;
      const detail = `stage ${stage.name}: \`${stage.command}\` ${status}${met ? '' : `, not ${stage.expect}`}`;
      const stopReason = met ? undefined : stage.outcome === 'failed' ? 'error' : stage.outcome;
      const output = truncateText(`${result.stdout}\n${result.stderr}`.trim(), settings.outputChars).text;
      const handoff = `Stage ${stage.name}: \`${stage.command}\` ${status}.${output ? `\n${output}` : ''}`;
      await journal.append(taskId, 'stage-end', {
        stage: stage.name,
        status: met ? 'passed' : 'ended-task',
        stopReason,
        steps: 0,
        costUsd: 0,
        exitCode: result.exitCode,
        detail,
        handoff: met ? handoff : undefined,
      });
      if (stopReason) {
        return { stopReason, detail: `${detail}: ${stage.says ?? stage.outcome}`, steps, finalText };
      }
      found.push(handoff);
      continue;
    }
    const stepsBefore = running ? (resume?.runningStepsBefore ?? steps) : steps;
    guard.capSpend(
      stage.maxUsd === undefined ? undefined : { usd: stage.maxUsd, label: `stage ${stage.name}'s maxUsd` },
    );
    const ended = await settings
      .runLoop({ stage, prompt: prompt ?? '', stepsBefore, resume: running })
      .finally(() => guard.capSpend(undefined));
    steps = ended.steps;
    finalText = ended.finalText;
    const passed = ended.stopReason === 'finished';
    await journal.append(taskId, 'stage-end', {
      stage: stage.name,
      status: passed ? 'passed' : 'ended-task',
      stopReason: passed ? undefined : ended.stopReason,
      steps: steps - stepsBefore,
      costUsd: guard.spent.usd - spentBefore + (running ? (resume?.runningCostBefore ?? 0) : 0),
      detail: `stage ${stage.name}: ${ended.detail}`,
      handoff: passed ? handoffOf(stage, ended.finalText) : undefined,
    });
    if (!passed) return { ...ended, detail: `stage ${stage.name}: ${ended.detail}` };
    found.push(handoffOf(stage, ended.finalText));
  }
  const last = settings.stages.at(-1);
  return {
    stopReason: 'finished',
    detail: `all ${settings.stages.length} stages passed${last ? ` (the last: ${last.name})` : ''}`,
    steps,
    finalText,
  };
}

/** What a model stage hands on: its last words. */
function handoffOf(stage: ModelStage, finalText: string): string {
  return `Stage ${stage.name} finished${finalText ? `: ${finalText}` : '.'}`;
}

/**
 * Where a pipeline stopped, from the task's journal: the stages that passed and what they handed on,
 * and the model stage that was running (or that a limit stopped: `RESUMABLE_STOPS`), its conversation
 * rebuilt from its own events.
 *
 * @throws SystemError `journal-corrupt` as `replayJournal` does.
 */
export function pipelineResumeOf(events: readonly JournalEvent[]): PipelineResume {
  const whole = replayJournal(events);
  const located = events.find((event) => event.type === 'context-localized');
  const resume: PipelineResume = {
    passed: 0,
    found: [],
    steps: whole.steps,
    finalText: whole.finalText,
    localization: located?.type === 'context-localized' ? located.text : undefined,
    localized:
      located !== undefined || events.some((event) => event.type === 'stage-start' && event.kind === 'model'),
  };
  let open: { start: JournalEvent<'stage-start'>; at: number } | undefined;
  for (const [at, event] of events.entries()) {
    if (event.type === 'stage-start') {
      open = { start: event, at };
      resume.runningCostBefore = undefined;
    } else if (event.type === 'stage-end') {
      if (event.status === 'passed') {
        open = undefined;
        resume.passed += 1;
        if (event.handoff !== undefined) resume.found.push(event.handoff);
        continue;
      }
      // A model stage stopped by a limit goes on from its conversation once the limit is raised: its
      // calls are not made (and paid) again. Any other end ended the pipeline.
      const raised = event.stopReason !== undefined && RESUMABLE_STOPS.has(event.stopReason);
      if (open?.start.kind === 'model' && raised) {
        resume.runningCostBefore = (resume.runningCostBefore ?? 0) + event.costUsd;
        continue;
      }
      open = undefined;
      break;
    }
  }
  if (open?.start.kind === 'model' && open.start.prompt !== undefined) {
    const before = events.slice(0, open.at).filter((event) => event.type === 'model-response');
    resume.runningStepsBefore = before.at(-1)?.step ?? 0;
    const start = { ...events[0]!, type: 'task-start', prompt: open.start.prompt } as JournalEvent;
    // Step numbers run on across stages: the stage's count is the task's.
    resume.running = { ...replayJournal([start, ...events.slice(open.at + 1)]), steps: whole.steps };
  }
  return resume;
}

/** What a model stage is told: the task, its place and instructions, and what came before it. */
function stagePrompt(settings: PipelineSettings, position: number, found: readonly string[]): string {
  const stage = settings.stages[position] as ModelStage;
  const parts = [
    settings.prompt,
    `You are stage ${position + 1} of ${settings.stages.length} (${stage.name}) of a pipeline working on this task. Your part:\n${stage.prompt}`,
  ];
  if (found.length > 0) {
    parts.push(
      `What the earlier stages found (their changes are in the workspace; \`git diff\` shows them):\n\n${found.join('\n\n')}`,
    );
  }
  return parts.join('\n\n');
}
