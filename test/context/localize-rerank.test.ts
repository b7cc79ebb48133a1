import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayJournal } from '../../src/agent/replay-journal.ts';
import type { JournalEvent, LocalizationRerank } from '../../src/spec/journal-events.ts';
import { measurementsOfJournal, spansOfJournal } from '../../src/telemetry/index.ts';
import { makeRepo, runWarden, scratch, traceEvents } from '../support/cli.ts';

/**
 * The cheap-model rerank of the first turn's localization (`agent.localize.rerank`) through the real
 * CLI. Every model here is the scripted model: simulated replies read from a file, never a vendor's. Its
 * role `rerank` answers the rerank; the loop and the stages answer as they always do.
 */
const TASK = 'The cart total is wrong when a discount applies: applyDiscount makes the price negative';
const usage = { input_tokens: 400, output_tokens: 20 };
const say = (text: string) => ({ text, usage });
const read = (file: string) => ({ tool_calls: [{ name: 'read_file', input: { path: file } }], usage });

describe('the rerank of the first turn localization (real CLI, scripted model)', { timeout: 180_000 }, () => {
  const work = scratch('rerank');
  const home = ['--data-dir', path.join(work.dir, 'home')];
  let repo: string;
  /** The candidates as the search alone ranks them. */
  let searched: string[];

  const json = async (...args: string[]) => {
    const result = await runWarden([...args, ...home, '--json']);
    return { code: result.code, stderr: result.stderr, body: JSON.parse(result.stdout || 'null') };
  };
  const write = (name: string, content: unknown) => {
    const file = path.join(work.dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  /** Runs the task with the scripted file `script` and the config `config`; returns the report and journal. */
  const run = async (name: string, script: unknown, config: string, ...extra: string[]) => {
    const model = `scripted:${write(`${name}-script.json`, script)}`;
    const configFile = write(`${name}-config.yaml`, config);
    const started = await json(
      'run',
      ...['--repo', repo, '--task', TASK, '--model', model, '--config', configFile, '--no-branch', ...extra],
    );
    const taskId = String(started.body?.taskId);
    return { ...started, taskId, configFile, events: await journalOf(taskId) };
  };
  const journalOf = async (taskId: string) => (await traceEvents(taskId, home)) as unknown as JournalEvent[];
  const localizedIn = (events: readonly JournalEvent[]) => {
    const located = events.filter((event) => event.type === 'context-localized');
    expect(located).toHaveLength(1);
    return located[0] as JournalEvent<'context-localized'>;
  };
  /** The files of a localization's text, in the order it lists them. */
  const listed = (text: string) => [...text.matchAll(/^- ([^:\n]+)/gm)].map((match) => match[1]);
  /** What the ledger charged: every loop call, plus the rerank. */
  const charged = (events: readonly JournalEvent[], rerank: LocalizationRerank | undefined) =>
    events
      .filter((event) => event.type === 'model-response')
      .reduce((sum, event) => sum + (event as JournalEvent<'model-response'>).costUsd, rerank?.costUsd ?? 0);

  beforeAll(async () => {
    repo = makeRepo(path.join(work.dir, 'repo'), {
      'package.json': '{"name":"shop"}\n',
      'src/discount.js': 'export function applyDiscount(price, percent) {\n  return price - percent;\n}\n',
      'src/cart.js':
        "import { applyDiscount } from './discount.js';\nexport function cartTotal(items, percent) {\n  return items.reduce((total, item) => total + applyDiscount(item.price, percent), 0);\n}\n",
      'src/price.js': 'export function formatPrice(price) {\n  return `$${price.toFixed(2)}`;\n}\n',
    });
    const found = await json('context', 'localize', '--repo', repo, '--task', TASK, '--k', '3');
    searched = (found.body.files as Array<{ path: string }>).map((file) => file.path);
    expect(searched.length, 'the search finds three candidates to reorder').toBe(3);
  });
  afterAll(work.cleanup);

  /** An agent's localization with a rerank of three candidates (indented for an entry of `agents:`). */
  const AGENT_LOCALIZES =
    '    localize:\n      k: 3\n      tokens: 400\n      rerank:\n        candidates: 3\n';
  /** The scripted rerank role's one reply: the order given. */
  const answers = (order: readonly string[]) => ({
    turns: [{ text: JSON.stringify(order), usage: { input_tokens: 300, output_tokens: 30 } }],
  });

  const CONFIG =
    'agent:\n  check: "true"\n  localize:\n    k: 3\n    tokens: 400\n    rerank:\n      candidates: 3\n';

  it('shows the files in the order the cheap model gave, charges it to the task, and a resume never asks it again', async () => {
    const reversed = [...searched].reverse();
    const script = {
      model: 'anthropic:claude-haiku-4-5',
      turns: [read('src/cart.js'), say('the discount is subtracted, not applied as a percentage')],
      roles: {
        rerank: answers(reversed),
      },
    };
    const stopped = await run('single', script, CONFIG, '--max-steps', '1');
    expect(stopped.code, stopped.stderr).toBe(3);
    const located = localizedIn(stopped.events);
    expect(located.rerank).toMatchObject({ candidates: searched, order: reversed, applied: true });
    expect(listed(located.text)).toEqual(reversed);
    // The first message the model got: the reranked list, then the task.
    expect(replayJournal(stopped.events).messages[0]).toEqual({
      role: 'user',
      content: `${located.text}\n\n${TASK}`,
    });
    // Before the task's first call, and charged to the task though it is not one of its steps.
    const types = stopped.events.map((event) => event.type);
    expect(types.indexOf('context-localized')).toBeLessThan(types.indexOf('model-request'));
    expect(located.rerank!.costUsd).toBeGreaterThan(0);
    expect(stopped.body).toMatchObject({ stopReason: 'max-steps', steps: 1 });
    expect(stopped.body.costUsd).toBeCloseTo(charged(stopped.events, located.rerank), 9);

    const resumed = await json(
      'resume',
      stopped.taskId,
      '--max-steps',
      '5',
      '--allow-loosen',
      '--config',
      stopped.configFile,
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.body).toMatchObject({ steps: 2 });
    const events = await journalOf(stopped.taskId);
    // One localization and one rerank paid for, across the stop and the resume.
    expect(localizedIn(events).rerank).toEqual(located.rerank);
    expect(resumed.body.costUsd).toBeCloseTo(charged(events, located.rerank), 9);
    expect(replayJournal(events).messages[0]).toEqual({
      role: 'user',
      content: `${located.text}\n\n${TASK}`,
    });
    // The user's OpenTelemetry stack sees the rerank as a model call, and its cost in the task's.
    const chats = spansOfJournal(events, { captureContent: false }).filter((span) =>
      span.name.startsWith('chat '),
    );
    expect(chats).toHaveLength(3);
    expect(chats[0]?.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 300,
      'gen_ai.usage.output_tokens': 30,
      'warden.localize.rerank.applied': true,
    });
    const exportedUsd = measurementsOfJournal(events)
      .filter((measurement) => measurement.metric === 'costUsd')
      .reduce((sum, measurement) => sum + measurement.value, 0);
    expect(exportedUsd).toBeCloseTo(resumed.body.costUsd, 9);
  });

  it('keeps the search order, and journals why, when the reply is not a list of candidate paths', async () => {
    const script = (text: string, output = 20) => ({
      model: 'anthropic:claude-haiku-4-5',
      turns: [say('done')],
      roles: { rerank: { turns: [{ text, usage: { input_tokens: 300, output_tokens: output } }] } },
    });
    const garbage = await run('garbage', script(`I would start with ${searched[2]}.`), CONFIG);
    expect(garbage.code, garbage.stderr).toBe(0);
    const located = localizedIn(garbage.events);
    expect(listed(located.text)).toEqual(searched);
    expect(located.rerank).toMatchObject({
      applied: false,
      order: searched,
      kept: 'the reply is not a JSON array of paths',
      reply: `I would start with ${searched[2]}.`,
    });
    // The reply was paid for all the same.
    expect(located.rerank!.costUsd).toBeGreaterThan(0);
    expect(garbage.body.costUsd).toBeCloseTo(charged(garbage.events, located.rerank), 9);

    const invented = await run('invented', script(JSON.stringify(['src/secrets.js', ...searched])), CONFIG);
    expect(listed(localizedIn(invented.events).text)).toEqual(searched);
    expect(localizedIn(invented.events).rerank?.kept).toBe(
      'the reply names "src/secrets.js", not a candidate',
    );

    // A reply that claims more output than the call was allowed is booked at its reservation, and refused.
    const overlong = await run('overlong', script(JSON.stringify([...searched].reverse()), 5_000), CONFIG);
    const rerank = localizedIn(overlong.events).rerank;
    expect(listed(localizedIn(overlong.events).text)).toEqual(searched);
    expect(rerank?.applied).toBe(false);
    expect(rerank?.kept).toMatch(/output/);
    expect(overlong.body.costUsd).toBeCloseTo(charged(overlong.events, rerank), 9);
  });

  it('localizes a pipeline once, before its first model stage, and shows every model stage the reranked list', async () => {
    const reversed = [...searched].reverse();
    const config = `${CONFIG}agents:
  fixer:
    pattern: pipeline
    check: "true"
${AGENT_LOCALIZES}    stages:
      - name: reproduce
        run: "true"
      - name: fix
        prompt: Fix the discount.
      - name: review
        prompt: Review the change.
`;
    const script = {
      model: 'anthropic:claude-haiku-4-5',
      roles: {
        rerank: answers(reversed),
        fix: { turns: [read('src/discount.js'), say('applyDiscount now takes a percentage')] },
        review: { turns: [say('the change is right')] },
      },
    };
    const stopped = await run('pipeline', script, config, '--agent', 'fixer', '--max-steps', '1');
    expect(stopped.code, stopped.stderr).toBe(3);
    const located = localizedIn(stopped.events);
    expect(located.rerank).toMatchObject({ order: reversed, applied: true });
    expect(listed(located.text)).toEqual(reversed);
    const types = stopped.events.map((event) => event.type);
    // After the command stage (which could have ended the task for nothing), before the first model stage.
    expect(types.indexOf('context-localized')).toBeGreaterThan(types.indexOf('stage-end'));
    const starts = () => (stopped.events as JournalEvent[]).filter((event) => event.type === 'stage-start');
    const fix = starts().find((event) => event.stage === 'fix') as JournalEvent<'stage-start'>;
    expect(fix.prompt?.startsWith(`${located.text}\n\n${TASK}`)).toBe(true);
    expect(types.indexOf('context-localized')).toBeLessThan(stopped.events.indexOf(fix));

    // Resumed, the later stages (each a fresh conversation) get the same list from the journal.
    const resumed = await json(
      'resume',
      stopped.taskId,
      '--max-steps',
      '5',
      '--allow-loosen',
      '--config',
      stopped.configFile,
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    const events = await journalOf(stopped.taskId);
    expect(localizedIn(events).rerank).toEqual(located.rerank);
    const modelStages = events.filter(
      (event): event is JournalEvent<'stage-start'> => event.type === 'stage-start' && event.kind === 'model',
    );
    expect(modelStages.map((event) => event.stage)).toContain('review');
    for (const start of modelStages)
      expect(start.prompt?.startsWith(`${located.text}\n\n${TASK}`)).toBe(true);
    expect(resumed.body.costUsd).toBeCloseTo(charged(events, located.rerank), 9);
  });

  it("localizes an orchestrator once, for its planner's first turn", async () => {
    const reversed = [...searched].reverse();
    const config = `${CONFIG}agents:
  planned:
    pattern: orchestrator
    check: "true"
${AGENT_LOCALIZES}    worker:
      tools: [write_file]
`;
    const subtask = { id: 'a', goal: 'Write a.txt.', check: 'test -f a.txt' };
    const script = {
      model: 'anthropic:claude-haiku-4-5',
      roles: {
        rerank: answers(reversed),
        planner: {
          turns: [{ tool_calls: [{ name: 'plan', input: { subtasks: [subtask] } }], usage }, say('planned')],
        },
        'worker:a': {
          turns: [
            { tool_calls: [{ name: 'write_file', input: { path: 'a.txt', content: 'a\n' } }], usage },
            say('done'),
          ],
        },
      },
    };
    const result = await run('orchestrator', script, config, '--agent', 'planned');
    expect(result.code, result.stderr).toBe(0);
    const located = localizedIn(result.events);
    expect(located.rerank).toMatchObject({ order: reversed, applied: true });
    expect(listed(located.text)).toEqual(reversed);
    const types = result.events.map((event) => event.type);
    expect(types.indexOf('context-localized')).toBeLessThan(types.indexOf('model-request'));
    expect(result.body.costUsd).toBeCloseTo(charged(result.events, located.rerank), 9);
  });

  it('localizes a swarm once, before its roles, and shows every role the reranked list', async () => {
    const reversed = [...searched].reverse();
    const config = `${CONFIG}agents:
  crowd:
    pattern: swarm
    check: "true"
${AGENT_LOCALIZES}    roles:
      - name: left
        prompt: Write left.txt.
      - name: right
        prompt: Write right.txt.
`;
    const writes = (file: string) => ({
      turns: [
        { tool_calls: [{ name: 'write_file', input: { path: file, content: 'x\n' } }], usage },
        say('done'),
      ],
    });
    const script = {
      model: 'anthropic:claude-haiku-4-5',
      roles: {
        rerank: answers(reversed),
        left: writes('left.txt'),
        right: writes('right.txt'),
      },
    };
    const result = await run('swarm', script, config, '--agent', 'crowd');
    expect(result.code, result.stderr).toBe(0);
    const located = localizedIn(result.events);
    expect(located.rerank).toMatchObject({ order: reversed, applied: true });
    const starts = result.events.filter(
      (event): event is JournalEvent<'role-start'> => event.type === 'role-start',
    );
    expect(starts.map((event) => event.role).sort()).toEqual(['left', 'right']);
    for (const start of starts) {
      // Each role's first message: the reranked files, then the task and its part.
      expect(start.prompt?.startsWith(`${located.text}\n\n${TASK}`)).toBe(true);
      expect(listed(start.prompt ?? '')).toEqual(reversed);
    }
    const types = result.events.map((event) => event.type);
    expect(types.indexOf('context-localized')).toBeLessThan(types.indexOf('role-start'));
    expect(result.body.costUsd).toBeCloseTo(charged(result.events, located.rerank), 9);
  });
});
