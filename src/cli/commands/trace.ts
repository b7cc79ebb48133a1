import { UserError } from '../../spec/errors.ts';
import type { JournalEvent, JournalEventFields } from '../../spec/journal-events.ts';
import { childrenOf } from '../../warden/index.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { describeChild, openWarden } from './run.ts';

export const TRACE_HELP = `warden trace TASK [--json]

Shows a task's trajectory in order: every model call, decision and tool call, with costs. TASK may be
a unique prefix of the id. With --json, prints the journal events as a JSON array. The journal is
verified on every read: seq without gaps, every link and hash, the task row's head and terminal state,
and the newest signed checkpoint that sealed the task. A journal truncated, edited or rewritten is
reported on stderr and the command exits 1.
`;

export async function traceCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('trace', argv, {}, 1);
  if (values.help) {
    io.out(TRACE_HELP);
    return EXIT.ok;
  }
  const [taskArgument] = positionals;
  if (!taskArgument)
    throw new UserError('usage', 'warden trace: which task? give its id', {
      hint: 'list them with `warden tasks`',
    });
  const warden = await openWarden(values, io);
  try {
    const { task, events, verification } = await warden.trace(taskArgument);
    if (!verification.ok) {
      io.err(
        `warning: the journal of ${task.id} is broken at event ${verification.brokenAt}: ${verification.problem}\n`,
      );
    }
    if (values.json) {
      io.out(`${JSON.stringify(events)}\n`);
    } else {
      io.out(
        `task ${task.id}  ${task.status}${task.stopReason ? ` (${task.stopReason})` : ''}  $${task.costUsd.toFixed(4)}\n`,
      );
      io.out(`  ${task.prompt}\n`);
      for (const event of events) io.out(formatEvent(event));
      // The tree at a glance: each stage, subtask or role with its status, cost and check.
      const children = childrenOf(events);
      if (children.length > 0)
        io.out(`children:\n${children.map((child) => `  ${describeChild(child)}\n`).join('')}`);
      const sealed = verification.checkpoint ? `, checkpoint ${verification.checkpoint}` : ', not yet sealed';
      io.out(
        verification.ok
          ? `journal: ${events.length} events, chain verified (${verification.state}${sealed})\n`
          : `journal: ${events.length} events, chain BROKEN at event ${verification.brokenAt}: ${verification.problem}\n`,
      );
    }
    return verification.ok ? EXIT.ok : EXIT.failed;
  } finally {
    await warden.close();
  }
}

function formatEvent(event: JournalEvent): string {
  const head = `${String(event.seq).padStart(4)}  ${event.at.slice(11, 23)}  ${event.type.padEnd(16)}`;
  const child = event.child === undefined ? '' : `[${event.child}] `;
  return `${head}  ${child}${describeOrShow(event)}\n`;
}

/**
 * The line for an event; its raw fields when they do not have their type's shape. Trace is how a
 * damaged journal is inspected: an edited row (which verification reports) must print, not crash it.
 */
function describeOrShow(event: JournalEvent): string {
  try {
    return describe(event);
  } catch {
    return fieldsOf(event);
  }
}

function fieldsOf(event: JournalEvent): string {
  const { taskId, seq, type, at, prevHash, hash, child, ...fields } = event;
  return oneLine(JSON.stringify(fields), 120);
}

function describe(event: JournalEvent): string {
  switch (event.type) {
    case 'task-start':
      return `${event.model} on ${event.repo} @ ${event.baseCommit.slice(0, 12)}`;
    case 'model-request':
      return `step ${event.step}: ${event.model}, ~${event.estimatedInputTokens} tokens in, reserved $${event.reservedUsd.toFixed(4)}`;
    case 'model-response': {
      const { usage } = event;
      const calls = event.toolCalls.map((call) => call.name).join(', ') || 'no tool calls';
      const text = event.text ? `  "${oneLine(event.text, 60)}"` : '';
      return `step ${event.step}: ${calls}; in ${usage.input} out ${usage.output} cache r/w ${usage.cacheRead}/${usage.cacheWrite}; $${event.costUsd.toFixed(4)}${event.batch ? ' (batch)' : ''}${text}`;
    }
    case 'decision':
      return `${event.tool}: ${event.decision} (${event.policyIds.join(', ')})`;
    case 'tool-call-start':
      return `${event.tool} ${oneLine(JSON.stringify(event.input), 100)}`;
    case 'tool-call-end':
      return `${event.tool} ${event.isError ? 'error' : 'ok'}${event.exitCode === undefined || event.exitCode === null ? '' : ` exit ${event.exitCode}`} ${event.durationMs} ms, ${event.outputChars} chars: ${oneLine(event.output, 60)}`;
    case 'context-tainted':
      return `untrusted ${event.kind}: ${event.label}; from now on the task's requests carry context.taint`;
    case 'net-connect':
      return `${event.method} ${event.host}:${event.port} ${event.decision === 'allow' ? 'allowed' : 'refused'} (${event.reason}), ${event.bytesUp} B up, ${event.bytesDown} B down`;
    case 'branch-created':
      return `${event.branch} at ${event.commit.slice(0, 12)}${leftOut(event.skipped)}`;
    case 'task-end':
      return `${event.status} (${event.stopReason})${event.verification === undefined ? '' : `, verification ${event.verification}`}: ${event.detail}`;
    case 'stage-start':
      return `stage ${event.index} ${event.stage}: ${event.kind === 'command' ? `runs \`${event.command}\`` : `model loop on ${event.model}`}`;
    case 'stage-end':
      return `stage ${event.stage} ${event.status === 'passed' ? 'passed' : `ended the task (${event.stopReason})`}: ${event.steps} steps, $${event.costUsd.toFixed(4)}; ${oneLine(event.detail, 100)}`;
    case 'plan':
      return `${event.subtasks.length} subtask(s): ${event.subtasks
        .map(
          (subtask) =>
            `${subtask.id}${subtask.dependsOn?.length ? ` (after ${subtask.dependsOn.join(', ')})` : ''}`,
        )
        .join(', ')}`;
    case 'subtask-start':
      return `subtask ${event.subtask} on ${event.model} from ${event.startCommit.slice(0, 12)}, check \`${event.check}\``;
    case 'subtask-end':
      return `subtask ${event.subtask} ${event.status === 'passed' ? 'passed' : `failed (${event.stopReason})`}: ${event.steps} steps${event.commit ? `, commit ${event.commit.slice(0, 12)}` : ''}; ${oneLine(event.detail, 100)}`;
    case 'role-start':
      return `role ${event.role} on ${event.model} from ${event.startCommit.slice(0, 12)}`;
    case 'role-end':
      return `role ${event.role} ${event.status === 'passed' ? 'passed' : `failed (${event.stopReason})`}: ${event.steps} steps${event.commit ? `, commit ${event.commit.slice(0, 12)}` : ''}; ${oneLine(event.detail, 100)}`;
    case 'task-interrupted':
      return `process ${event.owner?.pid ?? '?'} gone; ${event.steps} steps, $${event.costUsd.toFixed(4)}, ${event.releasedReservations} reservation(s) released, ${event.workspaceKept ? `resumable until ${event.resumableUntil}` : 'workspace gone'}`;
    case 'forge-outcome':
      return `${event.change}, by @${event.actor} (${event.event}, delivery ${event.deliveryId})`;
    default:
      return fieldsOf(event);
  }
}

/** `, left out: a (reason), b (reason)` for a branch that left workspace paths out; `` otherwise. */
function leftOut(skipped: JournalEventFields['branch-created']['skipped']): string {
  if (!skipped || skipped.length === 0) return '';
  const entries = skipped.map((entry) => `${entry.path} (${entry.reason})`);
  return `, left out: ${oneLine(entries.join(', '), 200)}`;
}

function oneLine(text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}
