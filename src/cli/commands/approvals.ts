import type { ApprovalRequest } from '../../spec/approvals.ts';
import { UserError } from '../../spec/errors.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { openWarden } from './run.ts';

export const APPROVALS_HELP = `warden approvals [--all] [--json]

Lists pending approval requests, newest first: id, task, tool or action, why it was asked and
when it expires. --all lists every request (approved, denied, expired too). With --json: an array of
objects with id, taskId, tool, input, reason, reasons, policyIds, contentHash, status, expiresAt…
`;

export const APPROVE_HELP = `warden approve ID [--by NAME] [--json]

Approves one pending request. It covers exactly the call it was filed for; resume the task to go on.
Exit codes: 0 approved, 2 unknown id, already decided, or expired.
`;

export const DENY_HELP = `warden deny ID [--reason TEXT] [--by NAME] [--json]

Denies one pending request; the model gets the denial (and the reason) as the call's result.
Exit codes: 0 denied, 2 unknown id, already decided, or expired.
`;

/** `warden approvals`: the approval inbox. */
export async function approvalsCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('approvals', argv, { all: { type: 'boolean' } });
  if (values.help) {
    io.out(APPROVALS_HELP);
    return EXIT.ok;
  }
  const warden = await openWarden(values, io);
  try {
    const requests = await warden.approvals({ all: Boolean(values.all) });
    if (values.json) {
      io.out(`${JSON.stringify(requests)}\n`);
    } else if (requests.length === 0) {
      io.err(values.all ? 'no approval requests yet\n' : 'no pending approval requests\n');
    } else {
      for (const request of requests) io.out(`${describeRequest(request)}\n`);
    }
    return EXIT.ok;
  } finally {
    await warden.close();
  }
}

/** `warden approve ID`. */
export function approveCommand(argv: string[], io: CommandIo): Promise<number> {
  return decideCommand('approve', argv, io);
}

/** `warden deny ID [--reason TEXT]`. */
export function denyCommand(argv: string[], io: CommandIo): Promise<number> {
  return decideCommand('deny', argv, io);
}

async function decideCommand(verb: 'approve' | 'deny', argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    verb,
    argv,
    { by: { type: 'string' }, ...(verb === 'deny' ? { reason: { type: 'string' } } : {}) },
    1,
  );
  if (values.help) {
    io.out(verb === 'approve' ? APPROVE_HELP : DENY_HELP);
    return EXIT.ok;
  }
  const id = positionals[0];
  if (id === undefined) {
    throw new UserError('usage', `warden ${verb}: which request? give its id`, {
      hint: 'list pending requests with `warden approvals`',
    });
  }
  const warden = await openWarden(values, io);
  try {
    const decided = await warden.decideApproval(id, {
      approve: verb === 'approve',
      by: values.by,
      reason: (values as { reason?: string }).reason,
    });
    if (values.json) {
      io.out(`${JSON.stringify(decided)}\n`);
    } else {
      io.out(
        `${decided.id} ${decided.status} by ${decided.decidedBy}; resume with \`warden resume ${decided.taskId}\`\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await warden.close();
  }
}

function describeRequest(request: ApprovalRequest): string {
  const input = JSON.stringify(request.input);
  const shown = input.length > 80 ? `${input.slice(0, 77)}...` : input;
  return `${request.id}  ${request.taskId}  ${request.status.padEnd(8)}  ${request.tool}  ${shown}\n    why: ${request.reason || '(no reason given)'}  expires ${request.expiresAt}`;
}
