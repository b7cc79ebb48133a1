import { UserError } from '../../spec/errors.ts';
import type { AuditReport, Warden } from '../../warden/index.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { parseDuration } from './cost.ts';
import { openWarden } from './run.ts';

export const AUDIT_HELP = `warden audit TASK [--json]
warden audit verify [TASK] [--json]
warden audit search [--path FILE] [--host HOST] [--policy ID] [--credential REPO|ACTION] [--since DURATION] [--json]

warden audit TASK answers four questions from the task's journal: WHAT the agent did (every tool
call, check, stage and external action in order, the files changed, the commands with their exit
codes); on whose AUTHORITY (who or what started it, the agent, the policy bundles and the policies
that allowed each write, command and action, approvals with who gave them and when, credentials with
their scope and lifetime); what it TOUCHED (files read and written, hosts with byte counts, pushes,
pull requests and comments, untrusted inputs); and how to UNDO it (exact commands: git revert of what
reached the default branch, the pull request to close, branches to delete; and what cannot be undone).
--json prints exactly {what, authority, touched, undo}.

warden audit verify recomputes each journal's hash chain and checks it against the task row's head
and the signed checkpoints (an edited, reordered or removed event, or a cut tail, is found); it names
the first bad event and exits 1 when any journal is broken.

warden audit search lists the events of every task that read or wrote FILE, contacted HOST, were
decided by policy ID, or used a credential for REPO (or allowing ACTION), since DURATION (30m, 12h, 7d).
`;

export async function auditCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'audit',
    argv,
    {
      path: { type: 'string' },
      host: { type: 'string' },
      policy: { type: 'string' },
      credential: { type: 'string' },
      since: { type: 'string' },
    },
    2,
  );
  if (values.help) {
    io.out(AUDIT_HELP);
    return EXIT.ok;
  }
  const [first, second, ...rest] = positionals;
  if (first === undefined) throw new UserError('usage', 'warden audit: name a task, or verify, or search');
  if (rest.length > 0 || (first === 'search' && second !== undefined)) {
    throw new UserError('usage', `warden audit: unexpected ${JSON.stringify(rest[0] ?? second)}`);
  }
  const warden = await openWarden(values, io);
  try {
    if (first === 'verify') return await verify(warden, second, io, values.json === true);
    if (first === 'search') {
      const query = {
        path: values.path,
        host: values.host,
        policy: values.policy,
        credential: values.credential,
        sinceAt:
          values.since === undefined
            ? undefined
            : new Date(Date.now() - parseDuration(values.since)).toISOString(),
      };
      if ([query.path, query.host, query.policy, query.credential].every((value) => value === undefined)) {
        throw new UserError('usage', 'warden audit search: give --path, --host, --policy or --credential');
      }
      const matches = await warden.searchAudit(query);
      if (values.json) io.out(`${JSON.stringify(matches)}\n`);
      else if (matches.length === 0) io.err('nothing matched\n');
      for (const match of values.json ? [] : matches) {
        io.out(`${match.at}  ${match.taskId}  #${match.seq} ${match.type}  ${match.detail}\n`);
      }
      return EXIT.ok;
    }
    if (second !== undefined)
      throw new UserError('usage', `warden audit: unexpected ${JSON.stringify(second)}`);
    const report = await warden.audit(first);
    io.out(values.json ? `${JSON.stringify(report)}\n` : formatAudit(report));
    return EXIT.ok;
  } finally {
    await warden.close();
  }
}

async function verify(
  warden: Warden,
  task: string | undefined,
  io: CommandIo,
  json: boolean,
): Promise<number> {
  const results = await warden.verifyJournals(task);
  const broken = results.filter((result) => !result.verification.ok);
  if (json) io.out(`${JSON.stringify(results)}\n`);
  else {
    for (const { taskId, verification } of results) {
      io.out(
        verification.ok
          ? `${taskId}  ok: ${verification.events} events${verification.state === 'incomplete' ? ' (still running)' : ''}\n`
          : `${taskId}  BROKEN at event ${verification.brokenAt}: ${verification.problem}\n`,
      );
    }
    io.out(`${results.length} journal(s), ${broken.length} broken\n`);
  }
  return broken.length > 0 ? EXIT.failed : EXIT.ok;
}

function formatAudit(report: AuditReport): string {
  const { what, authority, touched, undo } = report;
  const lines = [
    `WHAT: task ${what.task.id}, ${what.task.status} (${what.task.stopReason ?? '-'}), ${what.task.steps} model calls, $${what.task.costUsd.toFixed(4)}`,
  ];
  for (const action of what.actions) {
    lines.push(
      `  #${action.seq} ${action.child ? `[${action.child}] ` : ''}${action.kind} ${action.name}: ${action.input} -> ${action.result}`,
    );
  }
  const changed = what.filesChanged;
  lines.push(
    changed
      ? `  files changed: ${changed.stat.filesChanged} (+${changed.stat.insertions} -${changed.stat.deletions}) on ${changed.branch} at ${changed.commit.slice(0, 12)}`
      : '  files changed: none saved',
  );
  for (const command of what.commands)
    lines.push(`  $ ${command.command}  (${command.source}, exit ${command.exitCode ?? '-'})`);
  const trigger = authority.trigger;
  lines.push(
    `AUTHORITY: requested by ${authority.requestedBy}${trigger ? `, started by ${trigger.kind} ${trigger.event} from ${trigger.actor}` : ''}; agent ${authority.agent} (team ${authority.team}, trust tier ${authority.trustTier ?? '-'}); bundle(s) ${authority.policyBundles.map((hash) => hash.slice(0, 12)).join(', ') || '-'}`,
  );
  for (const call of authority.consequential)
    lines.push(`  #${call.seq} ${call.tool}: ${call.decision} by ${call.policyIds.join(', ') || '-'}`);
  for (const approval of authority.approvals) {
    lines.push(
      `  approval ${approval.approvalId} (${approval.tool}): ${approval.status} by ${approval.decidedBy ?? '-'} at ${approval.decidedAt ?? '-'}${approval.reason ? `: ${approval.reason}` : ''}`,
    );
  }
  for (const source of authority.taint)
    lines.push(`  tainted at #${source.seq} ${source.at} by ${source.kind}: ${source.label}`);
  for (const credential of authority.credentials) {
    lines.push(
      `  credential ${credential.kind} for ${credential.repository} [${credential.scope.join(', ')}] ${credential.issuedAt} until ${credential.expiresAt}`,
    );
  }
  lines.push(
    `TOUCHED: read ${touched.filesRead.join(', ') || '-'}; wrote ${touched.filesWritten.join(', ') || '-'}`,
  );
  for (const host of touched.hosts)
    lines.push(
      `  host ${host.host}:${host.port}: ${host.allowed} allowed, ${host.refused} refused, ${host.bytesUp} B up, ${host.bytesDown} B down`,
    );
  for (const action of touched.externalActions)
    lines.push(`  ${action.action}: ${action.status} ${action.detail}`);
  for (const input of touched.untrustedInputs) lines.push(`  untrusted: ${input.source}: ${input.detail}`);
  lines.push('UNDO:');
  for (const step of undo.steps)
    lines.push(`  - ${step.what}${step.command ? `\n      ${step.command}` : ''}`);
  if (undo.steps.length === 0) lines.push('  nothing to undo');
  for (const item of undo.cannotUndo) lines.push(`  cannot be undone: ${item}`);
  return `${lines.join('\n')}\n`;
}
