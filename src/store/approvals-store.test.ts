import { describe, expect, it } from 'vitest';
import type { ApprovalSubject } from '../spec/approvals.ts';
import { approvalContentHash } from './approvals-store.ts';

// What every approval store does is in src/testing/approval-store-conformance.ts, run on both engines.
describe('approvalContentHash', () => {
  const shell = (input: unknown): ApprovalSubject => ({ kind: 'tool', tool: 'shell', input });

  it('hashes the call, not the order of its keys', () => {
    expect(approvalContentHash(shell({ b: 1, a: 2 }))).toBe(approvalContentHash(shell({ a: 2, b: 1 })));
    expect(approvalContentHash(shell({ command: 'npm publish' }))).not.toBe(
      approvalContentHash(shell({ command: 'npm publish --tag next' })),
    );
  });

  it('tells a tool call from an action with the same name and content', () => {
    const action: ApprovalSubject = { kind: 'action', action: 'shell', parameters: { command: 'x' } };
    expect(approvalContentHash(action)).not.toBe(approvalContentHash(shell({ command: 'x' })));
    expect(approvalContentHash(shell(undefined))).toBe(approvalContentHash(shell(null)));
  });
});
