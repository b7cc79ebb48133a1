import type { JournalEvent, TaskTrigger } from '../spec/journal-events.ts';
import type { Task } from '../spec/types.ts';
import { type UndoForge, undoPlan } from './audit-undo.ts';

/** One thing the agent or Warden did, in journal order. */
export interface AuditAction {
  seq: number;
  at: string;
  /** The child it belongs to (`stage:fix`, `subtask:s1`); absent for the task's own. */
  child?: string | undefined;
  kind: 'tool' | 'check' | 'stage' | 'action' | 'approval';
  name: string;
  /** What it was asked to do, in one line. */
  input: string;
  /** How it ended: `ok`, `error`, `exit 1`, `passed`, `denied by policy`, … */
  result: string;
}

/** The four questions, answered from one task's journal. `--json` prints exactly these four keys. */
export interface AuditReport {
  /** What did the agent do. */
  what: {
    task: Pick<
      Task,
      'id' | 'status' | 'stopReason' | 'steps' | 'costUsd' | 'createdAt' | 'endedAt' | 'prompt' | 'repo'
    >;
    actions: AuditAction[];
    /** The result branch, its commit and diff stat; null when none was made. */
    filesChanged: {
      branch: string;
      baseCommit: string;
      commit: string;
      stat: { filesChanged: number; insertions: number; deletions: number };
    } | null;
    commands: Array<{ seq: number; source: string; command: string; exitCode: number | null }>;
  };
  /** On whose authority. */
  authority: {
    requestedBy: string;
    trigger: TaskTrigger | null;
    agent: string;
    team: string;
    /** The agent's trust tier as the task recorded it; null in journals from before it was. */
    trustTier: number | null;
    /** SHA-256 of each policy bundle that decided a call. */
    policyBundles: string[];
    /** The policies that allowed (or let a human allow) each consequential call: writes, commands, actions. */
    consequential: Array<{ seq: number; tool: string; decision: string; policyIds: string[] }>;
    approvals: Array<{
      approvalId: string;
      tool: string;
      requestedAt: string;
      status: string;
      decidedBy: string | null;
      decidedAt: string | null;
      reason: string | null;
    }>;
    credentials: Array<{
      kind: string;
      repository: string;
      scope: string[];
      issuedAt: string;
      expiresAt: string;
    }>;
    /**
     * The untrusted content that entered the task (`context-tainted`), first first: from then on its
     * policy requests carried `context.taint`. Empty: the task was never tainted.
     */
    taint: Array<{ seq: number; at: string; kind: string; label: string; author: string | null }>;
  };
  /** What did it touch. */
  touched: {
    filesRead: string[];
    filesWritten: string[];
    hosts: Array<{
      host: string;
      port: number;
      allowed: number;
      refused: number;
      bytesUp: number;
      bytesDown: number;
    }>;
    externalActions: Array<{ seq: number; action: string; status: string; detail: string }>;
    /** Content that came from outside the operator: the trigger's text, network responses. */
    untrustedInputs: Array<{ source: string; detail: string }>;
  };
  /** How do we undo it. */
  undo: {
    steps: Array<{ what: string; command: string | null; automatic: boolean }>;
    cannotUndo: string[];
  };
}

/** Tools that change files or run commands: the calls whose authority the audit lists. */
const CONSEQUENTIAL_TOOLS = new Set(['write_file', 'edit_file', 'shell']);

/**
 * Answers the four questions of an audit from a task's journal alone: what the agent did (every tool
 * call, check, stage and external action in order, the files changed, the commands with their exit
 * codes), on whose authority (who or what started it, the agent, the bundles and policies that allowed
 * each consequential call, approvals, credentials), what it touched (files read and written, hosts with
 * byte counts, external actions, untrusted inputs), and how to undo it (`audit-undo.ts`).
 * `where`: the merge commit of its pull request when the forge said it was merged, and where its
 * branch was pushed.
 */
export function auditOf(
  task: Task,
  events: readonly JournalEvent[],
  where: { merged: string | null; forge: UndoForge | null },
): AuditReport {
  const start = events.find((event) => event.type === 'task-start');
  const starts = new Map<string, JournalEvent<'tool-call-start'>>();
  const decisions = new Map<string, JournalEvent<'decision'>>();
  const actions: AuditAction[] = [];
  const commands: AuditReport['what']['commands'] = [];
  const read = new Set<string>();
  const written = new Set<string>();
  const consequential: AuditReport['authority']['consequential'] = [];
  const bundles = new Set<string>();
  const requests = new Map<string, JournalEvent<'approval-request'>>();
  const approvals: AuditReport['authority']['approvals'] = [];
  const credentials: AuditReport['authority']['credentials'] = [];
  const taint: AuditReport['authority']['taint'] = [];
  const hosts = new Map<string, AuditReport['touched']['hosts'][number]>();
  const external: AuditReport['touched']['externalActions'] = [];
  let branch: JournalEvent<'branch-created'> | undefined;
  const push = (
    event: JournalEvent,
    kind: AuditAction['kind'],
    name: string,
    input: string,
    result: string,
  ) => actions.push({ seq: event.seq, at: event.at, child: event.child, kind, name, input, result });

  for (const event of events) {
    switch (event.type) {
      case 'decision': {
        if (event.bundleHash) bundles.add(event.bundleHash);
        if (event.toolCallId) decisions.set(event.toolCallId, event);
        if (event.action || CONSEQUENTIAL_TOOLS.has(event.tool)) {
          consequential.push({
            seq: event.seq,
            tool: event.tool,
            decision: event.decision,
            policyIds: event.policyIds,
          });
        }
        break;
      }
      case 'tool-call-start': {
        starts.set(event.toolCallId, event);
        const path = pathOf(event.input);
        if (path !== undefined)
          (event.tool === 'write_file' || event.tool === 'edit_file' ? written : read).add(path);
        break;
      }
      case 'tool-call-end': {
        const begun = starts.get(event.toolCallId);
        const decided = decisions.get(event.toolCallId);
        const refused = decided && decided.decision !== 'allow' && !event.approvalId;
        const result = refused
          ? `${decided.decision === 'deny' ? 'denied' : 'asked'} by policy (${decided.policyIds.join(', ')})`
          : event.isError
            ? `error${event.exitCode === undefined || event.exitCode === null ? '' : ` (exit ${event.exitCode})`}`
            : event.exitCode === undefined || event.exitCode === null
              ? 'ok'
              : `exit ${event.exitCode}`;
        push(event, 'tool', event.tool, oneLine(begun?.input), result);
        if (event.tool === 'shell' && !refused) {
          commands.push({
            seq: event.seq,
            source: event.child ?? 'agent',
            command: commandOf(begun?.input),
            exitCode: event.exitCode ?? null,
          });
        }
        break;
      }
      case 'check':
        push(event, 'check', 'check', event.check, event.passed ? 'passed' : 'failed');
        commands.push({
          seq: event.seq,
          source: 'check',
          command: event.check,
          exitCode: event.passed ? 0 : null,
        });
        break;
      case 'pre-check':
        commands.push({
          seq: event.seq,
          source: 'pre-check',
          command: event.command,
          exitCode: event.exitCode,
        });
        break;
      case 'stage-end':
        push(event, 'stage', event.stage, event.detail, event.status);
        if (event.exitCode !== undefined) {
          commands.push({
            seq: event.seq,
            source: `stage ${event.stage}`,
            command: event.detail,
            exitCode: event.exitCode ?? null,
          });
        }
        break;
      case 'net-connect': {
        const key = `${event.host}:${event.port}`;
        const host = hosts.get(key) ?? {
          host: event.host,
          port: event.port,
          allowed: 0,
          refused: 0,
          bytesUp: 0,
          bytesDown: 0,
        };
        if (event.decision === 'allow') host.allowed += 1;
        else host.refused += 1;
        host.bytesUp += event.bytesUp;
        host.bytesDown += event.bytesDown;
        hosts.set(key, host);
        break;
      }
      case 'approval-request':
        requests.set(event.approvalId, event);
        break;
      case 'approval-decision': {
        const asked = requests.get(event.approvalId);
        approvals.push({
          approvalId: event.approvalId,
          tool: event.tool,
          requestedAt: asked?.at ?? event.at,
          status: event.status,
          decidedBy: event.decidedBy,
          decidedAt: event.at,
          reason: event.decisionReason,
        });
        push(event, 'approval', event.tool, event.approvalId, `${event.status} by ${event.decidedBy ?? '-'}`);
        break;
      }
      case 'context-tainted':
        taint.push({
          seq: event.seq,
          at: event.at,
          kind: event.kind,
          label: event.label,
          author: event.author ?? null,
        });
        break;
      case 'credential-issued':
        credentials.push({
          kind: event.kind,
          repository: event.repository,
          scope: event.scope,
          issuedAt: event.at,
          expiresAt: event.expiresAt,
        });
        break;
      case 'action-result': {
        const detail =
          event.status === 'done'
            ? resultOf(event.result)
            : event.status === 'failed'
              ? event.error
              : event.reasons.join('; ');
        external.push({ seq: event.seq, action: event.action, status: event.status, detail });
        push(event, 'action', event.action, detail, event.status);
        break;
      }
      case 'branch-created':
        branch = event;
        break;
      default:
        break;
    }
  }
  // Requests never decided are still part of the authority: they wait, or expired.
  for (const [approvalId, asked] of requests) {
    if (approvals.some((approval) => approval.approvalId === approvalId)) continue;
    approvals.push({
      approvalId,
      tool: asked.tool,
      requestedAt: asked.at,
      status: 'pending',
      decidedBy: null,
      decidedAt: null,
      reason: null,
    });
  }
  const trigger = start?.type === 'task-start' ? (start.trigger ?? null) : null;
  const untrusted: AuditReport['touched']['untrustedInputs'] = [];
  if (trigger && trigger.kind !== 'schedule') {
    untrusted.push({
      source: `${trigger.kind} ${trigger.event}`,
      detail: `the task's text came from @${trigger.actor}${trigger.url ? ` (${trigger.url})` : ''}`,
    });
  }
  for (const host of hosts.values()) {
    if (host.allowed > 0 && host.bytesDown > 0)
      untrusted.push({ source: `network ${host.host}:${host.port}`, detail: `${host.bytesDown} bytes read` });
  }
  const filesChanged = branch
    ? { branch: branch.branch, baseCommit: task.baseCommit, commit: branch.commit, stat: branch.stat }
    : null;
  const { id, status, stopReason, steps, costUsd, createdAt, endedAt, prompt, repo } = task;
  return {
    what: {
      task: { id, status, stopReason, steps, costUsd, createdAt, endedAt, prompt, repo },
      actions,
      filesChanged,
      commands,
    },
    authority: {
      requestedBy: task.requestedBy,
      trigger,
      agent: start?.type === 'task-start' ? start.agent : '-',
      team: start?.type === 'task-start' ? start.team : '-',
      trustTier: start?.type === 'task-start' ? (start.trustTier ?? null) : null,
      policyBundles: [...bundles],
      consequential,
      approvals,
      credentials,
      taint,
    },
    touched: {
      filesRead: [...read].sort(),
      filesWritten: [...written].sort(),
      hosts: [...hosts.values()],
      externalActions: external,
      untrustedInputs: untrusted,
    },
    undo: undoPlan(task, events, filesChanged, where.merged, where.forge),
  };
}

/** An action's result in one line: the branch and commit pushed, the pull request, the comment's link. */
function resultOf(result: unknown): string {
  const fields = (result ?? {}) as { branch?: string; commit?: string; number?: number; url?: string };
  if (fields.branch && fields.commit) return `${fields.branch} at ${fields.commit.slice(0, 12)}`;
  if (fields.number !== undefined && fields.url) return `#${fields.number} ${fields.url}`;
  if (fields.url) return fields.url;
  return oneLine(result);
}

function pathOf(input: unknown): string | undefined {
  const path = (input as { path?: unknown } | null)?.path;
  return typeof path === 'string' ? path : undefined;
}

function commandOf(input: unknown): string {
  const command = (input as { command?: unknown } | null)?.command;
  return typeof command === 'string' ? command : oneLine(input);
}

/** A value as one line of at most 160 characters. */
function oneLine(value: unknown): string {
  const text = (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''))
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
