import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BreakerRecord, SqliteStore } from '../store/index.ts';
import { openSqliteStore, SqliteBreakerStore } from '../store/index.ts';
import { CircuitBreakers, nextUtcMidnight } from './circuit-breakers.ts';
import { postWebhook } from './post-webhook.ts';

const settings = {
  toolErrorWindow: 20,
  toolErrorRate: 0.5,
  providerFailures: 3,
  providerOpenSeconds: 60,
  openSeconds: 600,
};

let store: SqliteStore;
let now: Date;
let opened: BreakerRecord[];

function breakers(): CircuitBreakers {
  return new CircuitBreakers({
    book: new SqliteBreakerStore(store.database),
    settings,
    clock: () => now,
    notify: (breaker) => {
      opened.push(breaker);
    },
  });
}

beforeEach(() => {
  store = openSqliteStore(':memory:');
  now = new Date('2026-11-02T10:00:00Z');
  opened = [];
});

afterEach(async () => {
  await store.close();
});

describe('circuit breakers', () => {
  it('trip on a tool-error storm, stop further work in the scope, and reset', async () => {
    const guard = breakers();
    const scopes = ['task:t1', 'agent:fixer', 'fleet'];
    for (let index = 0; index < 9; index++)
      await guard.record({ type: 'tool-call', scopes, failed: index % 2 === 0 });
    expect(guard.check(scopes)).toBeUndefined();
    let trip: BreakerRecord | undefined;
    for (let index = 0; index < 11 && !trip; index++)
      trip = await guard.record({ type: 'tool-call', scopes, failed: true });
    expect(trip).toMatchObject({ scope: 'task:t1', kind: 'tool-errors', state: 'open' });
    expect(trip!.reason).toMatch(/^11 of the last \d+ tool calls failed/);
    expect(opened.map((breaker) => breaker.scope)).toEqual(['task:t1', 'agent:fixer', 'fleet']);
    // Another task of the same agent is stopped too.
    expect(guard.check(['task:t2', 'agent:fixer'])).toMatchObject({ scope: 'agent:fixer', state: 'open' });
    // Another process (a second connection on the same store) sees it.
    expect(
      new CircuitBreakers({ book: new SqliteBreakerStore(store.database), settings, clock: () => now }).check(
        ['fleet'],
      ),
    ).toBeDefined();

    expect(guard.reset('agent:fixer').map((breaker) => breaker.scope)).toEqual(['agent:fixer']);
    expect(guard.check(['agent:fixer'])).toBeUndefined();
    expect(
      guard
        .reset()
        .map((breaker) => breaker.scope)
        .sort(),
    ).toEqual(['fleet', 'task:t1']);
    expect(guard.check(scopes)).toBeUndefined();
    expect(
      guard
        .list()
        .every((breaker) => breaker.state === 'closed' && breaker.reason === 'reset by an operator'),
    ).toBe(true);
  });

  it('trip on a loop and close on their timer', async () => {
    const guard = breakers();
    const trip = await guard.record({
      type: 'loop',
      scope: 'agent:fixer',
      detail: 'the same shell command 5 times',
    });
    expect(trip).toMatchObject({ kind: 'loop', state: 'open', closesAt: '2026-11-02T10:10:00.000Z' });
    expect(guard.check(['agent:fixer'])?.reason).toContain('loop detected');
    now = new Date('2026-11-02T10:10:00Z');
    expect(guard.list()[0]).toMatchObject({ state: 'closed' });
    expect(guard.check(['agent:fixer'])).toBeUndefined();
    expect(guard.list()[0]).toMatchObject({ state: 'closed', reason: 'closed by its timer', trips: 1 });
  });

  it('open a provider breaker after repeated failures, then let exactly one half-open probe through', async () => {
    const guard = breakers();
    const scope = 'model:anthropic:claude-opus-4-7';
    await guard.record({ type: 'model-call', modelKey: 'anthropic:claude-opus-4-7', failed: true });
    await guard.record({ type: 'model-call', modelKey: 'anthropic:claude-opus-4-7', failed: false });
    for (let index = 0; index < 2; index++) {
      expect(
        await guard.record({ type: 'model-call', modelKey: 'anthropic:claude-opus-4-7', failed: true }),
      ).toBeUndefined();
    }
    const trip = await guard.record({
      type: 'model-call',
      modelKey: 'anthropic:claude-opus-4-7',
      failed: true,
      detail: 'HTTP 529',
    });
    expect(trip).toMatchObject({ scope, kind: 'provider', state: 'open' });
    expect(trip!.reason).toContain('3 consecutive calls');
    expect(guard.check([scope])).toMatchObject({ state: 'open' });

    now = new Date('2026-11-02T10:01:00Z');
    expect(guard.check([scope])).toBeUndefined(); // the probe
    expect(guard.check([scope])).toMatchObject({ state: 'half-open' }); // everyone else waits
    expect(
      await guard.record({ type: 'model-call', modelKey: 'anthropic:claude-opus-4-7', failed: true }),
    ).toMatchObject({
      state: 'open',
      trips: 2,
    });
    now = new Date('2026-11-02T10:02:00Z');
    expect(guard.check([scope])).toBeUndefined();
    await guard.record({ type: 'model-call', modelKey: 'anthropic:claude-opus-4-7', failed: false });
    expect(guard.check([scope])).toBeUndefined();
    expect(guard.list().find((breaker) => breaker.scope === scope)).toMatchObject({
      state: 'closed',
      reason: 'a probe call succeeded',
    });
  });

  it('a spend breaker stays open until the next UTC day', async () => {
    const guard = breakers();
    await guard.record({
      type: 'spend-limit',
      scope: 'team:payments',
      detail: 'daily limit $50 reached',
      closesAt: nextUtcMidnight(now),
    });
    expect(guard.check(['team:payments'])).toMatchObject({
      kind: 'spend',
      closesAt: '2026-11-03T00:00:00.000Z',
    });
    now = new Date('2026-11-03T00:00:00Z');
    expect(guard.check(['team:payments'])).toBeUndefined();
  });

  it('post Slack-compatible JSON to the webhook when one opens', async () => {
    const received: unknown[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ contentType: request.headers['content-type'], body: JSON.parse(body) });
        response.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      const failures: unknown[] = [];
      const guard = new CircuitBreakers({
        book: new SqliteBreakerStore(store.database),
        settings,
        clock: () => now,
        notify: (breaker) => postWebhook({ url, timeoutMs: 2000 }, breaker),
        onNotifyError: (error) => failures.push(error),
      });
      await guard.record({ type: 'loop', scope: 'agent:fixer', detail: 'edit_file failing the same way' });
      expect(failures).toEqual([]);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({
        contentType: 'application/json',
        body: {
          text: expect.stringMatching(
            /^Warden breaker open: loop on agent:fixer until 2026-11-02T10:10:00.000Z\./,
          ),
        },
      });
      // A webhook that is down does not keep the breaker from opening.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await guard.record({ type: 'loop', scope: 'agent:other', detail: 'x' });
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ code: 'webhook-failed' });
      expect(guard.check(['agent:other'])).toBeDefined();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
