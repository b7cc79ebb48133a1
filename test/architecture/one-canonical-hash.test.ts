import { describe, expect, it } from 'vitest';
import { actionIdempotencyKey } from '../../src/actions/idempotency-key.ts';
import { hashEvent } from '../../src/journal/hash-event.ts';
import { canonicalHash, canonicalJson } from '../../src/spec/canonical-hash.ts';
import { approvalContentHash } from '../../src/store/approvals-store.ts';

describe('canonicalHash', () => {
  it('is RFC 8785: sorted keys, no spaces, undefined fields dropped, numbers in shortest form', () => {
    expect(canonicalJson({ b: [1e21, 0.1, -0], a: 'é', skipped: undefined })).toBe(
      '{"a":"é","b":[1e+21,0.1,0]}',
    );
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalHash({ b: 1, a: 2 })).toBe(canonicalHash({ a: 2, b: 1 }));
  });

  // Digests written by the code before there was one helper: journals, idempotency records and
  // approval requests already stored must still match.
  it('gives the journal, idempotency keys and approvals the digests they always had', () => {
    const event = {
      taskId: 't-1',
      seq: 2,
      type: 'decision',
      at: '2026-01-01T00:00:00.000Z',
      prevHash: '0'.repeat(64),
      tool: 'shell',
      reasons: ['ü', 'b'],
      cost: 1e21,
      skipped: undefined,
      nested: { z: 1, a: [0.1, -0, 'é'] },
    };
    expect(hashEvent(event as never)).toBe(
      'ebaad8050597d73e9a8b5aae5af5de92443e257cc9e9a28e2e069c53018f1963',
    );
    expect(hashEvent({ ...event, hash: 'x' } as never)).toBe(canonicalHash(event));
    expect(
      actionIdempotencyKey('t-1', 'forge.push', { branch: 'warden/t-1', force: false, extra: undefined }),
    ).toBe('90dd9da5f6ebae653fc5c9407956fb4ff033236270aec734d15ca2bc1469646e');
    expect(actionIdempotencyKey('t-1', 'deploy', undefined)).toBe(
      '1ab0620ff1d7349eac35e343a8eacf5505d09fe6756eadf23a888e800f585590',
    );
    const write = { path: '.github/workflows/ci.yml', content: 'on: push\n' };
    expect(approvalContentHash({ kind: 'tool', tool: 'write_file', input: write })).toBe(
      '8f2e26093b7373a6f2782f786d59e12df946630b22f52b6924fd7f7e8c458482',
    );
    expect(approvalContentHash({ kind: 'action', action: 'deploy', parameters: undefined })).toBe(
      '69be7a338c377cb508fd3518a9dafa47c17bd5ef9ce612b33b88ad360a0cb037',
    );
  });
});
