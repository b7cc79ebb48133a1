import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { type CliResult, makeRepo, runWarden, scratch } from '../support/cli.ts';
import {
  type RecordedRequest,
  startVendorServer,
  type VendorReply,
  type VendorServer,
} from '../support/vendor-server.ts';
import {
  errorReply,
  type ReplyContent,
  streamEndingEarly,
  streamReply,
  type Wire,
  wholeReply,
} from './vendor-replies.ts';

/**
 * Provider faults through the real `warden run --json`, in both vendor wire formats. What is simulated:
 * a local HTTP server on 127.0.0.1 speaks the Anthropic Messages API and the OpenAI Chat Completions API
 * (JSON and SSE) and misbehaves as vendors do: errors, rate limits, malformed and cut replies, hangs,
 * garbage tool calls, missing or impossible usage, runaway replies. No vendor is reached.
 *
 * Each case asserts the task's end state and exit code; the journal (`warden trace --json`, which exits
 * non-zero when the chain does not verify); the books (the task's cost is the sum of what the journal
 * says was booked, `warden cost --json` the sum of the tasks, nothing negative, `warden doctor` healthy);
 * and that the next task on the same data directory runs.
 */

type Event = Record<string, unknown> & { type: string };

const MODELS: Record<Wire, string> = {
  anthropic: 'anthropic:claude-haiku-4-5',
  openai: 'openai:gpt-5.4-mini',
};

interface FaultCase {
  name: string;
  /** Config merged over the suite's (quick retries, a breaker that does not interfere). */
  config?: { provider: { timeouts?: object; retry?: object } };
  /** Streamed replies unless false. */
  streaming?: boolean;
  /** The vendor's answers, one per HTTP request, in order. */
  replies: (wire: Wire) => VendorReply[];
  exit: number;
  status: string;
  stopReason: string;
  /** Detail of the task's end, when it says something a user must read. */
  detail?: RegExp;
  /** The call failed through the provider's fault: its breaker counts one failed call. */
  providerFault?: boolean;
  /** Checks of the journal beyond the common ones. */
  journal?: (events: Event[], wire: Wire, requests: RecordedRequest[]) => void;
}

const ok = (wire: Wire, content: ReplyContent = { text: 'done' }) => streamReply(wire, content);
const whole = (wire: Wire, content: ReplyContent = { text: 'done' }) => wholeReply(wire, content);
const readme = { id: 'call_1', name: 'read_file', arguments: '{"path":"README.md"}' };
const decisions = (events: Event[]) =>
  events.filter((event) => event.type === 'route-decision').map((event) => [event.kind, event.reason]);
const ofType = (events: Event[], type: string) => events.filter((event) => event.type === type);

const CASES: FaultCase[] = [
  {
    name: 'always 500',
    providerFault: true,
    replies: (wire) => [errorReply(wire, 500), errorReply(wire, 500), errorReply(wire, 500)],
    exit: 1,
    status: 'failed',
    stopReason: 'model-error',
    detail: /HTTP 500/,
    journal: (events) => {
      expect(decisions(events)).toEqual([
        ['retry', expect.stringMatching(/^HTTP 500 from .*backing off/)],
        ['retry', expect.stringMatching(/^HTTP 500 from .*backing off/)],
        ['give-up', expect.stringMatching(/^HTTP 500 from .* 3 times$/)],
      ]);
    },
  },
  {
    name: '429 then success',
    replies: (wire) => [errorReply(wire, 429, { 'retry-after-ms': '5' }), ok(wire)],
    exit: 0,
    status: 'unverified',
    stopReason: 'finished',
    journal: (events) => {
      expect(decisions(events)).toEqual([
        ['retry', expect.stringMatching(/^HTTP 429 from .*retry-after 5 ms$/)],
      ]);
    },
  },
  {
    name: '429 with a retry-after beyond the cap',
    providerFault: true,
    replies: (wire) => [errorReply(wire, 429, { 'retry-after': '600' })],
    exit: 1,
    status: 'failed',
    stopReason: 'model-error',
    detail: /gave up/,
    journal: (events) => {
      expect(decisions(events)).toEqual([
        [
          'give-up',
          expect.stringContaining(
            'asks to wait 600 s, longer than the 2 s cap (provider.retry.backoffMaxMs)',
          ),
        ],
      ]);
    },
  },
  {
    name: 'malformed JSON body',
    streaming: false,
    replies: () => [{ kind: 'text', body: '{"id":"msg_local","content":[{"type":"te' }],
    exit: 1,
    status: 'failed',
    stopReason: 'model-error',
    detail: /could not be read/,
    journal: (events) => {
      expect(ofType(events, 'error')).toEqual([expect.objectContaining({ code: 'model-reply-invalid' })]);
    },
  },
  {
    name: 'body cut halfway (not streamed, connection reset)',
    streaming: false,
    replies: (wire) => [
      { ...wholeReply(wire, { text: 'half of a long answer' }), cutAfterBytes: 60 },
      whole(wire),
    ],
    exit: 0,
    status: 'unverified',
    stopReason: 'finished',
    journal: (events) => {
      expect(decisions(events)).toEqual([['retry', expect.stringMatching(/connection was cut/)]]);
      expect(ofType(events, 'model-response')).toEqual([expect.objectContaining({ text: 'done' })]);
    },
  },
  {
    name: 'stream cut halfway (connection reset)',
    replies: (wire) => [{ ...ok(wire, { text: 'half of a long answer' }), cutAfterEvents: 2 }, ok(wire)],
    exit: 0,
    status: 'unverified',
    stopReason: 'finished',
    journal: (events) => {
      expect(decisions(events)).toEqual([['retry', expect.stringMatching(/connection was cut/)]]);
      expect(ofType(events, 'model-response')).toHaveLength(1);
    },
  },
  {
    name: 'stream ended halfway (clean close, no end of message)',
    replies: (wire) => [streamEndingEarly(wire, { text: 'half of a long answer' }, 2), ok(wire)],
    exit: 0,
    status: 'unverified',
    stopReason: 'finished',
    journal: (events) => {
      expect(decisions(events)).toEqual([['retry', expect.stringMatching(/stream ended/)]]);
      expect(ofType(events, 'model-response')).toEqual([expect.objectContaining({ text: 'done' })]);
    },
  },
  {
    name: 'hang (first-byte timeout)',
    providerFault: true,
    config: { provider: { timeouts: { firstByteMs: 400 }, retry: { maxAttempts: 2 } } },
    replies: (wire) => [
      { ...ok(wire), hang: true },
      { ...ok(wire), hang: true },
    ],
    exit: 1,
    status: 'failed',
    stopReason: 'model-error',
    detail: /no first byte of the reply within 400 ms \(provider\.timeouts\.firstByteMs\)/,
    journal: (events) => {
      expect(decisions(events)).toEqual([
        ['retry', expect.stringMatching(/no first byte of the reply within 400 ms/)],
        ['give-up', expect.stringMatching(/no first byte of the reply within 400 ms.* 2 times$/)],
      ]);
    },
  },
  {
    name: 'garbage tool call (arguments not JSON)',
    replies: (wire) => [
      ok(wire, { toolCalls: [{ id: 'call_1', name: 'read_file', arguments: '{"path": "README.md' }] }),
      ok(wire),
    ],
    exit: 0,
    status: 'unverified',
    stopReason: 'finished',
    journal: (events, _wire, requests) => {
      const [first] = ofType(events, 'model-response');
      expect(first?.toolCalls).toEqual([
        expect.objectContaining({
          input: '{"path": "README.md',
          inputError: expect.stringContaining('not valid JSON'),
        }),
      ]);
      // Nothing ran; the model was told what it sent.
      expect(ofType(events, 'tool-call-end')).toEqual([
        expect.objectContaining({ isError: true, output: expect.stringContaining('did not run') }),
      ]);
      expect(JSON.stringify(requests[1]?.body)).toContain('not valid JSON');
    },
  },
  {
    name: 'missing usage',
    replies: (wire) => [ok(wire, { toolCalls: [readme], usage: null }), ok(wire)],
    exit: 0,
    status: 'unverified',
    stopReason: 'finished',
    journal: (events, wire) => {
      if (wire === 'anthropic') {
        // Anthropic's wire always carries usage: a message_start without it cannot be read, and the AI
        // SDK reports an unreadable first event as the vendor's HTTP 500, which is retried.
        expect(decisions(events)).toEqual([['retry', expect.stringMatching(/^HTTP 500 from /)]]);
        expect(ofType(events, 'usage-missing')).toEqual([]);
        return;
      }
      const missing = ofType(events, 'usage-missing');
      expect(missing).toEqual([expect.objectContaining({ step: 1, reservedUsd: expect.any(Number) })]);
      const [first] = ofType(events, 'model-response');
      expect(first?.costUsd).toBeCloseTo(Number(missing[0]?.reservedUsd), 9);
    },
  },
  {
    name: 'absurd usage (1e15 input)',
    providerFault: true,
    replies: (wire) => [ok(wire, { toolCalls: [readme], usage: { input: 1e15, output: 10 } })],
    exit: 1,
    status: 'failed',
    stopReason: 'model-error',
    detail: /impossible usage/,
    journal: (events) => {
      expect(ofType(events, 'usage-anomaly')).toEqual([
        expect.objectContaining({ reason: expect.stringMatching(/input tokens exceed/) }),
      ]);
    },
  },
  {
    name: 'negative usage (-50 output)',
    providerFault: true,
    replies: (wire) => [ok(wire, { toolCalls: [readme], usage: { input: 1200, output: -50 } })],
    exit: 1,
    status: 'failed',
    stopReason: 'model-error',
    detail: /impossible usage/,
    journal: (events) => {
      expect(ofType(events, 'usage-anomaly')).toEqual([
        expect.objectContaining({ reason: expect.stringMatching(/output tokens -50 is not a non-negative/) }),
      ]);
    },
  },
  {
    name: 'a 5 MB reply',
    replies: (wire) => [ok(wire, { text: 'x'.repeat(5 * 1024 * 1024) })],
    exit: 0,
    status: 'unverified',
    stopReason: 'finished',
    journal: (events) => {
      const [response] = ofType(events, 'model-response');
      expect(response).toMatchObject({ textChars: 5 * 1024 * 1024, textTrimmed: true });
      expect(String(response?.text).length).toBeLessThan(300_000);
    },
  },
];

// Each case starts six real `warden` processes; generous for a loaded machine.
describe('provider faults through warden run (real CLI, local vendor servers)', { timeout: 180_000 }, () => {
  const work = scratch('provider-faults');
  let repo: string;
  let server: VendorServer;
  /** Replies still to give, by the API key each case runs with (so cases may run side by side). */
  const queues = new Map<string, VendorReply[]>();
  const received = new Map<string, RecordedRequest[]>();

  beforeAll(async () => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# app\n' });
    server = await startVendorServer();
    server.respond((request) => {
      const key =
        request.headers['x-api-key'] ?? request.headers.authorization?.replace(/^Bearer /, '') ?? '';
      received.get(key)?.push(request);
      return (
        queues.get(key)?.shift() ?? {
          kind: 'json',
          status: 400,
          body: { error: { message: `vendor server: no reply queued for ${key}` } },
        }
      );
    });
  });
  afterAll(async () => {
    await server.close();
    work.cleanup();
  });

  const table = (['anthropic', 'openai'] as const).flatMap((wire) =>
    CASES.map((fault) => ({ ...fault, wire, label: `${wire}: ${fault.name}` })),
  );

  it.concurrent.each(table)('$label', async (fault) => {
    const { wire } = fault;
    const id = fault.label.replace(/[^a-z0-9]+/gi, '-');
    const home = path.join(work.dir, `home-${id}`);
    const configFile = path.join(work.dir, `${id}.json`);
    const configFor = (overrides: FaultCase['config'], streaming: boolean) => {
      const provider = overrides?.provider;
      return JSON.stringify({
        provider: {
          streaming,
          timeouts: { firstByteMs: 20_000, totalMs: 60_000, ...provider?.timeouts },
          retry: { maxAttempts: 3, backoffBaseMs: 1, backoffMaxMs: 2_000, ...provider?.retry },
        },
        // Breakers are not under test here: a case's failures must not stop its next task.
        breakers: { providerFailures: 1000 },
      });
    };
    const healthyConfig = path.join(work.dir, `${id}-healthy.json`);
    writeFileSync(configFile, configFor(fault.config, fault.streaming ?? true));
    writeFileSync(healthyConfig, configFor(undefined, fault.streaming ?? true));
    const env = {
      ANTHROPIC_BASE_URL: server.url,
      OPENAI_BASE_URL: `${server.url}/v1`,
      ANTHROPIC_API_KEY: `key-${id}`,
      OPENAI_API_KEY: `key-${id}`,
    };
    const requests: RecordedRequest[] = [];
    received.set(env.ANTHROPIC_API_KEY, requests);
    const warden = (...args: string[]) => inspect([...args, '--data-dir', home]);
    const run = async (replies: VendorReply[], config: string) => {
      queues.set(env.ANTHROPIC_API_KEY, replies);
      const task = ['--repo', repo, '--task', 'say hello', '--model', MODELS[wire], '--config', config];
      const result = await runWarden(['run', ...task, '--json', '--no-branch', '--data-dir', home], {
        env,
        timeoutMs: 170_000,
      });
      expect(queues.get(env.ANTHROPIC_API_KEY), 'every queued reply was asked for').toEqual([]);
      const report = JSON.parse(result.stdout || 'null');
      expect(report, result.stderr).not.toBeNull();
      const trace = await warden('trace', String(report.taskId), '--json');
      expect(trace.code, `the journal verifies: ${trace.stderr}`).toBe(0);
      return { result, report, events: JSON.parse(trace.stdout) as Event[] };
    };

    const faulty = await run(fault.replies(wire), configFile);
    expect(faulty.result.code, faulty.result.stderr).toBe(fault.exit);
    expect(faulty.report).toMatchObject({ status: fault.status, stopReason: fault.stopReason });
    if (fault.detail) expect(faulty.report.detail).toMatch(fault.detail);
    fault.journal?.(faulty.events, wire, requests);
    if (fault.providerFault) expect(providerFailures(home, MODELS[wire]), 'counted by the breaker').toBe(1);
    if (fault.status === 'unverified') expect(providerFailures(home, MODELS[wire])).toBe(0);

    const healthy = await run([wholeOrStream(wire, fault.streaming ?? true)], healthyConfig);
    expect(healthy.result.code, healthy.result.stderr).toBe(0);
    expect(healthy.report).toMatchObject({ status: 'unverified', stopReason: 'finished' });

    // The books: each task's cost is what its journal says was booked, and the report adds them up.
    for (const { report, events } of [faulty, healthy]) {
      expect(report.costUsd).toBeGreaterThanOrEqual(0);
      expect(report.costUsd).toBeCloseTo(bookedIn(events), 9);
    }
    const cost = await warden('cost', '--json');
    expect(cost.code, cost.stderr).toBe(0);
    expect(JSON.parse(cost.stdout).spendUsd).toBeCloseTo(faulty.report.costUsd + healthy.report.costUsd, 9);
    const doctor = await warden('doctor', '--json');
    expect(doctor.code, doctor.stdout).toBe(0);
  });
});

/**
 * Runs a command that only reads the data directory (`trace`, `cost`, `doctor`) through the CLI's own
 * entry point in this process: the same code and exit code as the `warden` binary, without paying a
 * second of Node start-up per call (each `warden run` is still a child process of its own).
 */
async function inspect(argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
    interactive: false,
    env: {},
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

/** Consecutive failed calls the provider breaker of `model` has counted (0 when it counted none). */
function providerFailures(home: string, model: string): number {
  const database = new DatabaseSync(path.join(home, 'warden.db'), { readOnly: true });
  try {
    const row = database
      .prepare('SELECT failures FROM breaker_counters WHERE scope = ?')
      .get(`model:${model}`) as { failures: number } | undefined;
    return row?.failures ?? 0;
  } finally {
    database.close();
  }
}

function wholeOrStream(wire: Wire, streaming: boolean): VendorReply {
  return streaming ? streamReply(wire, { text: 'done' }) : wholeReply(wire, { text: 'done' });
}

/**
 * What the journal says was booked: each answered call's `costUsd` (its reservation when usage was
 * missing) and each anomalous call's reservation. Each within what was reserved for it, none negative.
 */
function bookedIn(events: Event[]): number {
  const reserved = new Map<unknown, number>();
  let total = 0;
  for (const event of events) {
    if (event.type === 'model-request') reserved.set(event.step, Number(event.reservedUsd));
    const booked =
      event.type === 'model-response'
        ? Number(event.costUsd)
        : event.type === 'usage-anomaly'
          ? Number(event.reservedUsd)
          : undefined;
    if (booked === undefined) continue;
    expect(booked).toBeGreaterThanOrEqual(0);
    expect(booked).toBeLessThanOrEqual((reserved.get(event.step) ?? 0) + 1e-12);
    total += booked;
  }
  return total;
}
