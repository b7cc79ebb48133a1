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
  agentTaskTrips: 3,
  fleetAgentTrips: 3,
  tripWindowSeconds: 3600,
  providerFailures: 3,
  providerOpenSeconds: 60,
  probeTimeoutSeconds: 120,
  openSeconds: 600,
};

let store: SqliteStore;
let now: Date;
let opened: BreakerRecord[];

function breakers(on: SqliteStore = store): CircuitBreakers {
  return new CircuitBreakers({
    book: new SqliteBreakerStore(on.database),
    settings,
    clock: () => now,
    notify: (breaker) => {
      opened.push(breaker);
    },
  });
}

/** `count` tool calls of `taskId` run as `agent`; returns the first breaker they opened. */
async function toolCalls(
  guard: CircuitBreakers,
  taskId: string,
  agent: string | undefined,
  outcomes: boolean[],
): Promise<BreakerRecord | undefined> {
  let trip: BreakerRecord | undefined;
  for (const failed of outcomes) trip ??= await guard.record({ type: 'tool-call', taskId, agent, failed });
  return trip;
}
const failing = (count: number) => Array.from({ length: count }, () => true);

beforeEach(() => {
  store = openSqliteStore(':memory:');
  now = new Date('2026-11-02T10:00:00Z');
  opened = [];
});

afterEach(async () => {
  await store.close();
});

describe('circuit breakers', () => {
  it("a tool-error storm opens the task's breaker only, judged over a full window, and a reset closes it", async () => {
    const guard = breakers();
    const scopes = ['task:t1', 'agent:fixer', 'team:payments', 'fleet'];
    // 19 failed calls: the window of 20 is not full yet, so no rate is judged.
    expect(await toolCalls(guard, 't1', 'fixer', failing(19))).toBeUndefined();
    const trip = await guard.record({ type: 'tool-call', taskId: 't1', agent: 'fixer', failed: true });
    expect(trip).toMatchObject({ scope: 'task:t1', kind: 'tool-errors', state: 'open' });
    expect(trip!.reason).toBe("20 of the task's last 20 tool calls failed (limit: more than 50%)");
    expect(opened.map((breaker) => breaker.scope)).toEqual(['task:t1']);
    expect(await guard.check(scopes)).toMatchObject({ scope: 'task:t1' });
    // Another task of the same agent and team goes on.
    expect(await guard.check(['task:t2', 'agent:fixer', 'team:payments', 'fleet'])).toBeUndefined();
    // Another process (a second connection on the same store) sees it.
    expect(await breakers().check(['task:t1'])).toBeDefined();

    expect((await guard.reset('task:t1')).map((breaker) => breaker.scope)).toEqual(['task:t1']);
    expect(await guard.check(scopes)).toBeUndefined();
    expect(await guard.list()).toEqual([
      expect.objectContaining({ state: 'closed', reason: 'reset by an operator' }),
    ]);
  });

  it('the rate is exact: half of the window failing keeps it closed, one more failure opens it', async () => {
    const guard = breakers();
    const alternating = Array.from({ length: 20 }, (_, index) => index % 2 === 0);
    expect(await toolCalls(guard, 't1', undefined, alternating)).toBeUndefined();
    // The 21st call (failed) pushes out the oldest (failed): still 10 of 20.
    expect(await toolCalls(guard, 't1', undefined, [true])).toBeUndefined();
    // The 22nd (failed) pushes out a success: 11 of 20.
    expect(await toolCalls(guard, 't1', undefined, [true])).toMatchObject({ scope: 'task:t1' });
  });

  it("opens an agent's breaker when several of its tasks trip within the window, the fleet's only across agents", async () => {
    const guard = breakers();
    await toolCalls(guard, 'old', 'fixer', failing(20));
    now = new Date('2026-11-02T11:00:01Z'); // the first trip is now outside the hour
    await toolCalls(guard, 'a1', 'fixer', failing(20));
    await toolCalls(guard, 'a2', 'fixer', failing(20));
    expect(await guard.check(['agent:fixer'])).toBeUndefined();
    await toolCalls(guard, 'a3', 'fixer', failing(20));
    expect(await guard.check(['task:a4', 'agent:fixer'])).toMatchObject({
      scope: 'agent:fixer',
      kind: 'tool-errors',
      reason: 'the tool-error breakers of 3 of its tasks opened within 60 min (limit: 3 tasks)',
    });
    // One agent, however many tasks, never opens the fleet's breaker.
    expect(await guard.check(['task:b1', 'agent:reviewer', 'fleet'])).toBeUndefined();
    await toolCalls(guard, 'b1', 'reviewer', failing(20));
    expect(await guard.check(['fleet'])).toBeUndefined();
    await toolCalls(guard, 'c1', 'triager', failing(20));
    expect(await guard.check(['fleet'])).toMatchObject({ scope: 'fleet', kind: 'tool-errors' });
    expect(opened.map((breaker) => breaker.scope)).toEqual([
      'task:old',
      'task:a1',
      'task:a2',
      'task:a3',
      'agent:fixer',
      'task:b1',
      'task:c1',
      'fleet',
    ]);
    // A reset agent starts counting afresh: one more trip does not re-open it.
    await guard.reset('agent:fixer');
    await toolCalls(guard, 'a5', 'fixer', failing(20));
    expect(await guard.check(['agent:fixer'])).toBeUndefined();
  });

  it('trip on a loop and close on their timer', async () => {
    const guard = breakers();
    const trip = await guard.record({
      type: 'loop',
      scope: 'agent:fixer',
      detail: 'the same shell command 5 times',
    });
    expect(trip).toMatchObject({ kind: 'loop', state: 'open', closesAt: '2026-11-02T10:10:00.000Z' });
    expect(await (await guard.check(['agent:fixer']))?.reason).toContain('loop detected');
    now = new Date('2026-11-02T10:10:00Z');
    expect((await guard.list())[0]).toMatchObject({ state: 'closed' });
    expect(await guard.check(['agent:fixer'])).toBeUndefined();
    expect((await guard.list())[0]).toMatchObject({
      state: 'closed',
      reason: 'closed by its timer',
      trips: 1,
    });
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
    expect(await guard.check([scope])).toMatchObject({ state: 'open' });

    now = new Date('2026-11-02T10:01:00Z');
    expect(await guard.check([scope])).toBeUndefined(); // the probe
    expect(await guard.check([scope])).toMatchObject({ state: 'half-open' }); // everyone else waits
    expect(
      await guard.record({ type: 'model-call', modelKey: 'anthropic:claude-opus-4-7', failed: true }),
    ).toMatchObject({
      state: 'open',
      trips: 2,
    });
    now = new Date('2026-11-02T10:02:00Z');
    expect(await guard.check([scope])).toBeUndefined();
    await guard.record({ type: 'model-call', modelKey: 'anthropic:claude-opus-4-7', failed: false });
    expect(await guard.check([scope])).toBeUndefined();
    expect((await guard.list()).find((breaker) => breaker.scope === scope)).toMatchObject({
      state: 'closed',
      reason: 'a probe call succeeded',
    });
  });

  it('write nothing for a successful call when its model has counted no failure', async () => {
    const guard = breakers();
    const changes = () =>
      (store.database.prepare('SELECT total_changes() AS changes').get() as { changes: number }).changes;
    const before = changes();
    for (let index = 0; index < 3; index++) {
      await guard.record({ type: 'model-call', modelKey: 'anthropic:claude-opus-4-7', failed: false });
    }
    expect(changes()).toBe(before);
    await guard.record({ type: 'model-call', modelKey: 'anthropic:claude-opus-4-7', failed: true });
    await guard.record({ type: 'model-call', modelKey: 'anthropic:claude-opus-4-7', failed: false });
    expect(changes()).toBe(before + 2);
  });

  it('a spend breaker stays open until the next UTC day', async () => {
    const guard = breakers();
    await guard.record({
      type: 'spend-limit',
      scope: 'team:payments',
      detail: 'daily limit $50 reached',
      closesAt: nextUtcMidnight(now),
    });
    expect(await guard.check(['team:payments'])).toMatchObject({
      kind: 'spend',
      closesAt: '2026-11-03T00:00:00.000Z',
    });
    now = new Date('2026-11-03T00:00:00Z');
    expect(await guard.check(['team:payments'])).toBeUndefined();
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
      expect(await guard.check(['agent:other'])).toBeDefined();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
