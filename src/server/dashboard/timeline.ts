import { html } from 'hono/html';
import type { JournalEvent } from '../../spec/journal-events.ts';
import { badge, clip, type Html, usd, when } from './layout.ts';

/** Characters of a model reply, a tool's input or output shown on the page (the trace has all of it). */
const TEXT_LIMIT = 4_000;

/**
 * A task's trajectory as a timeline: the task's own events in order, and the events of each child (an
 * orchestrator's subtask, a swarm's role: the events that carry `child`) grouped in one section placed
 * where the child's first event came. Every text of the journal (model replies, tool inputs and outputs,
 * reasons) is interpolated, so escaped.
 */
export function timeline(events: readonly JournalEvent[]): Html {
  const blocks: Array<JournalEvent | { child: string; events: JournalEvent[] }> = [];
  const children = new Map<string, JournalEvent[]>();
  for (const event of events) {
    if (event.child === undefined) {
      blocks.push(event);
      continue;
    }
    let group = children.get(event.child);
    if (!group) {
      group = [];
      children.set(event.child, group);
      blocks.push({ child: event.child, events: group });
    }
    group.push(event);
  }
  const items = blocks.map((block) =>
    'type' in block
      ? item(block)
      : html`<li class="group"><section class="child" data-child="${block.child}"><h3>${block.child}</h3><ol class="timeline">${block.events.map(item)}</ol></section></li>`,
  );
  return html`<ol class="timeline" id="timeline">${items}</ol>`;
}

function item(event: JournalEvent): Html | string {
  if (event.type === 'model-request') return ''; // its response (or the error) tells the call
  const [kind, body] = describe(event);
  return html`<li class="${kind}" data-type="${event.type}"><span class="meta">#${event.seq} ${when(event.at)}</span> ${body}</li>`;
}

/** The class of an event's row and what it shows. */
function describe(event: JournalEvent): [string, Html] {
  switch (event.type) {
    case 'task-start':
      return [
        'start',
        html`<strong>started</strong> by ${event.requestedBy} · agent ${event.agent} · model ${event.model} · base ${event.baseCommit.slice(0, 12)}`,
      ];
    case 'workspace-ready':
      return [
        'start',
        html`workspace ready · sandbox ${event.sandbox} · check ${event.check ? event.check.command : 'none'}${event.dirty ? ' · the checkout had uncommitted changes' : ''}`,
      ];
    case 'model-response': {
      const { usage } = event;
      const calls = event.toolCalls.map((call) => call.name).join(', ');
      return [
        'model',
        html`<strong>model call ${event.step}</strong> · ${event.model} · ${usage.input} in / ${usage.output} out / ${usage.cacheRead} cache read / ${usage.cacheWrite} cache write · <span class="cost">${usd(event.costUsd)}</span> · ${event.latencyMs} ms${calls ? html` · asks for ${calls}` : ''}${event.text ? html`<pre>${clip(event.text, TEXT_LIMIT)}</pre>` : ''}`,
      ];
    }
    case 'decision':
      return [
        'tool',
        html`policy ${badge(event.decision)} ${event.tool}${event.policyIds.length > 0 ? ` (${event.policyIds.join(', ')})` : ''}${event.reasons.length > 0 ? html`: ${event.reasons.join('; ')}` : ''}`,
      ];
    case 'tool-call-start':
      return [
        'tool',
        html`<strong>tool call</strong> ${event.tool}${event.approvalId ? ` (approved: ${event.approvalId})` : ''}<pre>${clip(jsonOf(event.input), TEXT_LIMIT)}</pre>`,
      ];
    case 'tool-call-end':
      return [
        event.isError ? 'problem' : 'tool',
        html`<strong>tool result</strong> ${event.tool}${event.exitCode === undefined ? '' : ` · exit ${event.exitCode ?? 'none'}`} · ${event.durationMs} ms${event.isError ? ' · error' : ''}${event.outputTrimmed ? ` · ${event.outputChars} characters, cut` : ''}<details><summary>output</summary><pre class="output">${clip(event.output, TEXT_LIMIT)}</pre></details>`,
      ];
    case 'check':
      return [
        'check',
        html`<strong>check</strong> ${event.check} ${badge(event.passed ? 'passed' : 'failed')} ${event.summary}<details><summary>output</summary><pre>${clip(event.output, TEXT_LIMIT)}</pre></details>`,
      ];
    case 'pre-check':
      return [
        'check',
        html`pre-check ${event.command} · exit ${event.exitCode ?? 'none'}${event.matched ? ` · matched (${event.outcome ?? ''})` : ''}`,
      ];
    case 'approval-request':
      return [
        'approval',
        html`<strong>approval asked</strong> for ${event.tool} (${event.approvalId}): ${event.reasons.join('; ')}<pre>${clip(jsonOf(event.input), TEXT_LIMIT)}</pre>`,
      ];
    case 'approval-decision':
      return [
        'approval',
        html`<strong>approval</strong> ${badge(event.status)} ${event.tool} by ${event.decidedBy ?? '—'}${event.decisionReason ? html`: “${event.decisionReason}”` : ''}`,
      ];
    case 'stage-start':
      return [
        'start',
        html`<strong>stage ${event.index}: ${event.stage}</strong> (${event.kind}${event.command ? `: ${event.command}` : ''})`,
      ];
    case 'stage-end':
      return [
        'start',
        html`stage ${event.stage} ${badge(event.status)} · ${event.steps} calls · ${usd(event.costUsd)} · ${event.detail}`,
      ];
    case 'plan':
      return [
        'start',
        html`<strong>plan</strong>: ${event.subtasks.map((subtask) => `${subtask.id} (${subtask.goal})`).join('; ')}`,
      ];
    case 'subtask-start':
      return ['start', html`subtask ${event.subtask} starts: ${event.goal}`];
    case 'subtask-end':
      return [
        'start',
        html`subtask ${event.subtask} ${badge(event.status)} · ${event.steps} calls · ${event.detail}`,
      ];
    case 'role-start':
      return ['start', html`role ${event.role} starts on ${event.model}`];
    case 'role-end':
      return [
        'start',
        html`role ${event.role} ${badge(event.status)} · ${event.steps} calls · ${event.detail}`,
      ];
    case 'branch-created':
      return [
        'start',
        html`branch <code>${event.branch}</code> · ${event.stat.filesChanged} files, +${event.stat.insertions} −${event.stat.deletions}`,
      ];
    case 'task-pause':
    case 'task-end':
      return [
        'start',
        html`<strong>${event.type === 'task-end' ? 'ended' : 'paused'}</strong> ${badge(event.status)} (${event.stopReason}) · ${event.steps} calls · ${usd(event.costUsd)} · ${event.detail}`,
      ];
    case 'task-resume':
      return ['start', html`resumed from ${event.from} after ${event.steps} calls`];
    case 'error':
      return ['problem', html`<strong>error</strong> (${event.source}, ${event.code}): ${event.message}`];
    case 'budget-exceeded':
    case 'breaker-open':
      return ['problem', html`<strong>${event.type}</strong> (${event.stopReason}): ${event.reason}`];
    case 'context-tainted':
      return [
        'taint',
        html`<strong>tainted</strong> by untrusted ${event.kind}: ${event.label} · from here on a human approves what leaves`,
      ];
    case 'injection-suspected':
      return [
        'taint',
        html`<strong>suspected injection</strong> in ${event.tool === undefined ? "the task's text" : `${event.tool} output`}: ${clip(
          [
            ...event.invisible.map(
              (found) => `${found.count} hidden ${found.kind}${found.decoded ? ` (${found.decoded})` : ''}`,
            ),
            ...event.instructions.map((found) => `${found.kind}: ${found.excerpt}`),
          ].join('; '),
          500,
        )}`,
      ];
    case 'stuck-detected':
      return ['problem', html`<strong>stuck</strong> (${event.pattern}): ${event.detail}`];
    default: {
      const { taskId, seq, at, prevHash, hash, child, type, ...fields } = event;
      return ['other', html`${type} <span class="meta">${clip(jsonOf(fields), 500)}</span>`];
    }
  }
}

function jsonOf(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? String(value));
}
