import type { AuditSearch } from '../spec/audit-search.ts';
import type { JournalEvent } from '../spec/journal-events.ts';
import type { Store } from '../spec/store.ts';
import { newTask } from './store-conformance.ts';

/** A fresh, empty store made for one test, with its audit search. */
export interface AuditSearchUnderTest {
  store: Store;
  search: AuditSearch;
}

/** The events of the suite's task, by seq: each names a path, host, policy or credential once. */
const EVENTS: Array<Record<string, unknown> & { type: string; at: string }> = [
  {
    type: 'tool-call-start',
    at: '2025-01-01T00:00:01.000Z',
    toolCallId: 'c1',
    tool: 'write_file',
    input: { path: 'src/a.ts' },
  },
  // Holds the path as a substring only: the exact-field check must leave it out.
  {
    type: 'tool-call-start',
    at: '2025-01-01T00:00:02.000Z',
    toolCallId: 'c2',
    tool: 'shell',
    input: { command: 'cat src/a.ts' },
  },
  {
    type: 'net-connect',
    at: '2025-01-01T00:00:03.000Z',
    host: 'registry.npmjs.org',
    decision: 'allowed',
    bytesUp: 10,
    bytesDown: 20,
  },
  {
    type: 'decision',
    at: '2025-01-01T00:00:04.000Z',
    tool: 'shell',
    decision: 'deny',
    policyIds: ['no-push', 'other'],
  },
  {
    type: 'decision',
    at: '2025-01-01T00:00:05.000Z',
    tool: 'shell',
    decision: 'allow',
    policyIds: [],
    reason: 'no-push did not apply',
  },
  {
    type: 'credential-issued',
    at: '2025-01-01T00:00:06.000Z',
    repository: 'acme/web',
    scope: ['pull-request'],
    expiresAt: '2025-01-01T01:00:00.000Z',
  },
  {
    type: 'tool-call-start',
    at: '2025-01-03T00:00:00.000Z',
    toolCallId: 'c3',
    tool: 'read_file',
    input: { path: 'src/a.ts' },
  },
];

/**
 * Registers the suite every `AuditSearch` passes: each criterion finds exactly the events whose field
 * holds the value (a value merely mentioned elsewhere in a body is not a match), within the time range,
 * oldest first, with its one-line detail, at most `limit`.
 */
export async function runAuditSearchConformance(options: {
  name: string;
  skipReason?: string | undefined;
  open: () => Promise<AuditSearchUnderTest>;
  close: (underTest: AuditSearchUnderTest) => Promise<void>;
}): Promise<void> {
  const { describe, expect, it } = await import('vitest');
  if (options.skipReason) {
    console.warn(`${options.name}: skipped: ${options.skipReason}`);
    describe.skip(`${options.name} (skipped: ${options.skipReason})`, () => {
      it('runs the audit search suite', () => {});
    });
    return;
  }
  describe(options.name, () => {
    const withEvents = async (test: (search: AuditSearch) => Promise<void>) => {
      const underTest = await options.open();
      try {
        await underTest.store.createTask(newTask('t1'));
        let prevHash = '0'.repeat(64);
        for (const [index, fields] of EVENTS.entries()) {
          const hash = String(index + 1).padStart(64, '0');
          const event = {
            ...fields,
            taskId: 't1',
            seq: index + 1,
            prevHash,
            hash,
          } as unknown as JournalEvent;
          await underTest.store.appendEvent(event);
          prevHash = hash;
        }
        await test(underTest.search);
      } finally {
        await options.close(underTest);
      }
    };

    it('finds a path, a host, a policy and a credential by their exact fields', { timeout: 30_000 }, () =>
      withEvents(async (search) => {
        expect(await search.searchEvents({ path: 'src/a.ts' })).toEqual([
          {
            taskId: 't1',
            seq: 1,
            at: '2025-01-01T00:00:01.000Z',
            type: 'tool-call-start',
            detail: 'write_file src/a.ts',
          },
          {
            taskId: 't1',
            seq: 7,
            at: '2025-01-03T00:00:00.000Z',
            type: 'tool-call-start',
            detail: 'read_file src/a.ts',
          },
        ]);
        expect(await search.searchEvents({ host: 'registry.npmjs.org' })).toMatchObject([
          { seq: 3, detail: 'registry.npmjs.org allowed, 10 B up, 20 B down' },
        ]);
        expect(await search.searchEvents({ policy: 'no-push' })).toMatchObject([
          { seq: 4, detail: 'shell: deny by no-push' },
        ]);
        expect(await search.searchEvents({ credential: 'pull-request' })).toMatchObject([
          { seq: 6, detail: 'task token for acme/web, until 2025-01-01T01:00:00.000Z' },
        ]);
        expect(await search.searchEvents({ credential: 'acme/web' })).toMatchObject([{ seq: 6 }]);
        expect(await search.searchEvents({ path: 'src/a' })).toEqual([]);
        expect(await search.searchEvents({ policy: 'no' })).toEqual([]);
      }),
    );

    it('keeps to the time range and the limit, oldest first across criteria', { timeout: 30_000 }, () =>
      withEvents(async (search) => {
        const ranged = await search.searchEvents({
          path: 'src/a.ts',
          sinceAt: '2025-01-02T00:00:00.000Z',
          untilAt: '2025-01-04T00:00:00.000Z',
        });
        expect(ranged.map((match) => match.seq)).toEqual([7]);
        const both = await search.searchEvents({ path: 'src/a.ts', host: 'registry.npmjs.org', limit: 2 });
        expect(both.map((match) => match.seq)).toEqual([1, 3]);
      }),
    );
  });
}
