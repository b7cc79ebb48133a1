import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  postgresForTests,
  type TestDatabase,
} from '../../src/testing/postgres-test-database.ts';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const BIN = fileURLToPath(new URL('../../bin/warden.js', import.meta.url));
const server = postgresForTests();

/** Kills of a worker that held a running task, the bar. */
const KILLS = 20;
/** Long enough that a loaded machine rarely stalls a worker past it; a worker that does exits (75), fenced. */
const LEASE_SECONDS = 5;
const usage = { input_tokens: 2000, output_tokens: 100 };
/** Five model calls per task; the sleeps give the kills something to land in. */
const TURNS = [
  { tool_calls: [{ name: 'write_file', input: { path: 'NOTES.md', content: 'notes\n' } }], usage },
  { tool_calls: [{ name: 'shell', input: { command: 'sleep 0.4; cat NOTES.md' } }], usage },
  { tool_calls: [{ name: 'write_file', input: { path: 'NOTES.md', content: 'notes, checked\n' } }], usage },
  { tool_calls: [{ name: 'shell', input: { command: 'sleep 0.4; test -f NOTES.md' } }], usage },
  { text: 'Added the notes.', usage },
];

type TaskRow = { id: string; status: string; owner: string | null; lease_until: string | null };

describe.skipIf(server.url === undefined)('warden worker, killed with kill -9 over and over', () => {
  const work = scratch('fleet-kill');
  const home = path.join(work.dir, 'home');
  let database: TestDatabase;
  let client: pg.Client;
  let repo: string;
  let config: string;
  let script: string;
  const workers = new Set<ChildProcess>();
  let stopping = false;
  const common = () => ['--db', database.url, '--data-dir', home, '--config', config];

  const startWorker = () => {
    const child = spawn(
      process.execPath,
      [BIN, 'worker', ...common(), '--concurrency', '2', '--lease-seconds', String(LEASE_SECONDS)],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (!/taking tasks from|SIGTERM|stopped/.test(text))
        process.stderr.write(`[worker ${child.pid}] ${text}`);
    });
    workers.add(child);
    child.once('exit', (code) => {
      workers.delete(child);
      // A worker that lost a lease to a stall exits 75, as a supervisor would see it: start another.
      if (code === 75 && !stopping) startWorker();
    });
    return child;
  };
  const killHard = async (child: ChildProcess) => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  const enqueue = async (index: number) => {
    const queued = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      `add notes ${index}`,
      '--model',
      `scripted:${script}`,
      '--queue',
      '--json',
      ...common(),
    ]);
    expect(queued.code, queued.stderr).toBe(0);
    return JSON.parse(queued.stdout).taskId as string;
  };
  const tasks = async () =>
    (await client.query<TaskRow>('SELECT id, status, owner, lease_until FROM tasks ORDER BY id')).rows;

  beforeAll(async () => {
    database = await createTestDatabase(server.url!);
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    const remote = path.join(work.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', repo, remote]);
    config = path.join(work.dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ agent: { check: 'test -f NOTES.md' }, forge: { kind: 'local', remote } }),
    );
    script = writeScript(work.dir, { model: 'anthropic:claude-sonnet-4-6', turns: TURNS });
    client = new pg.Client({ connectionString: database.url });
  });
  afterAll(async () => {
    stopping = true;
    for (const child of workers) await killHard(child);
    await client?.end().catch(() => {});
    await database?.drop();
    work.cleanup();
  });

  it('completes every task, verified, with nothing lost, repeated or paid twice, and the handovers journaled', {
    timeout: 280_000,
  }, async () => {
    const taskIds: string[] = [];
    for (let index = 0; index < 4; index++) taskIds.push(await enqueue(index));
    await client.connect();
    for (let index = 0; index < 3; index++) startWorker();

    let kills = 0;
    const deadline = Date.now() + 240_000;
    for (;;) {
      const rows = await tasks();
      const unfinished = rows.filter((row) => row.status === 'running' || row.lease_until !== null);
      const done = rows.length === taskIds.length && unfinished.length === 0;
      if (kills >= KILLS && done) break;
      expect(Date.now(), `${kills} kills; tasks: ${JSON.stringify(rows)}`).toBeLessThan(deadline);
      if (kills < KILLS && taskIds.length - (rows.length - unfinished.length) < 3) {
        taskIds.push(await enqueue(taskIds.length));
      }
      // A random point: somewhere between a fifth of a second and a second from now.
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 800));
      if (kills >= KILLS) continue;
      const running = new Set(
        rows
          .filter((row) => row.status === 'running' && row.owner !== null)
          .map((row) => (JSON.parse(row.owner!) as { pid: number }).pid),
      );
      const busy = [...workers].filter((child) => child.pid !== undefined && running.has(child.pid));
      const victim = busy[Math.floor(Math.random() * busy.length)];
      if (victim === undefined) continue;
      await killHard(victim);
      kills += 1;
      startWorker();
    }

    const rows = await tasks();
    const journalOf = async (id: string) =>
      (
        await client.query<{ seq: number; type: string; body: string }>(
          'SELECT seq, type, body FROM events WHERE task_id = $1 ORDER BY seq',
          [id],
        )
      ).rows
        .map((row) => `${row.seq} ${row.type} ${row.body.slice(0, 160)}`)
        .join('\n');
    for (const row of rows.filter((each) => each.status !== 'succeeded')) {
      expect.fail(`task ${row.id} ended ${row.status}:\n${await journalOf(row.id)}`);
    }
    const verified = await runWarden(['audit', 'verify', '--json', ...common()]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    let handovers = 0;
    let paidTwice = 0;
    for (const { id } of rows) {
      const events = (
        await client.query<{ type: string; body: string }>(
          'SELECT type, body FROM events WHERE task_id = $1 ORDER BY seq',
          [id],
        )
      ).rows.map(
        (row) =>
          ({ ...(JSON.parse(row.body) as Record<string, unknown>), type: row.type }) as Record<
            string,
            unknown
          > & { type: string },
      );
      // Every model call journaled once: exactly the five turns, whatever the kills interrupted.
      const responses = events.filter((event) => event.type === 'model-response');
      expect(responses, id).toHaveLength(TURNS.length);
      // Every tool call started once and ended once.
      const starts = events
        .filter((event) => event.type === 'tool-call-start')
        .map((event) => event.toolCallId);
      const ends = events.filter((event) => event.type === 'tool-call-end').map((event) => event.toolCallId);
      expect(new Set(starts).size, id).toBe(starts.length);
      expect([...ends].sort(), id).toEqual([...starts].sort());
      handovers += events.filter((event) => event.type === 'task-interrupted' && event.leaseUntil).length;
      // The spend is the calls made, each booked once: every booking is a call the journal started (by
      // its reservation), a call whose answer was journaled costs what the journal says, and a call paid
      // for whose answer a kill lost (then asked again) is booked too, once.
      const entries = (
        await client.query<{ reservation_id: string; usd_nanos: string }>(
          'SELECT reservation_id, usd_nanos FROM spend_entries WHERE task_id = $1',
          [id],
        )
      ).rows;
      const bookedUsd = new Map(
        entries.map((entry) => [entry.reservation_id, Number(entry.usd_nanos) / 1e9]),
      );
      expect(bookedUsd.size, id).toBe(entries.length);
      const started = events
        .filter((event) => event.type === 'model-request')
        .map((event) => event.reservationId);
      for (const reservation of bookedUsd.keys()) expect(started, id).toContain(reservation);
      for (const [index, event] of events.entries()) {
        if (event.type !== 'model-response') continue;
        const request = events.slice(0, index).findLast((earlier) => earlier.type === 'model-request');
        expect(bookedUsd.get(request?.reservationId as string), id).toBeCloseTo(Number(event.costUsd), 9);
      }
      const interruptions = events.filter((event) => event.type === 'task-interrupted').length;
      expect(entries.length - responses.length, id).toBeGreaterThanOrEqual(0);
      expect(entries.length - responses.length, id).toBeLessThanOrEqual(interruptions);
      paidTwice += entries.length - responses.length;
    }
    expect(handovers).toBeGreaterThanOrEqual(1);

    // No action taken twice: one push and one pull request per task, each recorded done.
    const actions = (
      await client.query<{ task_id: string; action: string; status: string }>(
        'SELECT task_id, action, status FROM actions ORDER BY task_id, action',
      )
    ).rows;
    for (const { id } of rows) {
      const done = actions.filter((action) => action.task_id === id && action.status === 'succeeded');
      if (done.length !== 2)
        expect.fail(
          `task ${id}: actions ${JSON.stringify(actions.filter((action) => action.task_id === id))}:\n${await journalOf(id)}`,
        );
    }
    expect(actions).toEqual(
      rows.flatMap(({ id }) => [
        { task_id: id, action: 'forge.open_pr', status: 'succeeded' },
        { task_id: id, action: 'forge.push', status: 'succeeded' },
      ]),
    );
    const pulls = (await client.query<{ head: string }>('SELECT head FROM pull_requests ORDER BY head')).rows;
    expect(pulls.map((pull) => pull.head)).toEqual(rows.map(({ id }) => `warden/${id}`).sort());
    console.log(
      `fleet kill test: ${kills} kills mid-task, ${rows.length} tasks, ${handovers} lease handovers, ${paidTwice} call(s) paid whose answer a kill lost`,
    );
  });
});
