import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRequest, ModelTurn } from '../spec/index.ts';
import { UserError } from '../spec/index.ts';
import { createModelClient } from './model-client.ts';
import { loadPriceTable } from './price-table.ts';
import { parseScriptedFile } from './scripted-file.ts';

const priceTable = loadPriceTable();
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'warden-scripted-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function scriptFile(name: string, text: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, text);
  return path;
}

const messages: ModelMessage[] = [{ role: 'user', content: 'Fix the failing test.' }];
const request: ModelRequest = {
  system: 'You are careful.',
  messages,
  tools: { shell: { description: 'run a command', inputSchema: { type: 'object', properties: {} } } },
  maxOutputTokens: 512,
};

/**
 * A conversation with `client`: each call sees the replies (and tool results) of the ones before, as
 * in the agent loop. The scripted model picks its turn from that history.
 */
function conversation(client: { generate: (request: ModelRequest) => Promise<ModelTurn> }) {
  const history = [...request.messages];
  return async (): Promise<ModelTurn> => {
    const turn = await client.generate({ ...request, messages: [...history] });
    history.push(...turn.responseMessages);
    if (turn.toolCalls.length > 0) {
      history.push({
        role: 'tool',
        content: turn.toolCalls.map((call) => ({
          type: 'tool-result' as const,
          toolCallId: call.id,
          toolName: call.name,
          output: { type: 'text' as const, value: 'ok' },
        })),
      });
    }
    return turn;
  };
}

const YAML_SCRIPT = `
model: anthropic:claude-opus-4-7
turns:
  - text: Let me run the tests.
    tool_calls:
      - name: shell
        input: { command: npm test }
      - name: shell
        input: { command: git status }
    usage: { input_tokens: 1200, output_tokens: 80, cache_read_input_tokens: 3000, cache_creation_input_tokens: 500 }
  - tool_calls:
      - name: shell
        input: { command: npm test -- --run }
    usage: { input_tokens: 10, output_tokens: 5 }
  - text: done
`;

describe('scripted model', () => {
  it('replays turns in order, one per call, with deterministic tool call ids', async () => {
    const client = await createModelClient({
      spec: `scripted:${await scriptFile('demo.yaml', YAML_SCRIPT)}`,
      env: {},
      priceTable,
    });

    const next = conversation(client);
    const first = await next();
    const second = await next();
    const third = await next();

    expect(first.text).toBe('Let me run the tests.');
    expect(first.toolCalls).toEqual([
      { id: 'call_1', name: 'shell', input: { command: 'npm test' } },
      { id: 'call_2', name: 'shell', input: { command: 'git status' } },
    ]);
    expect(first.finishReason).toBe('tool-calls');
    expect(first.responseMessages).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me run the tests.' },
          { type: 'tool-call', toolCallId: 'call_1', toolName: 'shell', input: { command: 'npm test' } },
          { type: 'tool-call', toolCallId: 'call_2', toolName: 'shell', input: { command: 'git status' } },
        ],
      },
    ]);
    expect(second.toolCalls).toEqual([
      { id: 'call_3', name: 'shell', input: { command: 'npm test -- --run' } },
    ]);
    expect(third).toMatchObject({ text: 'done', toolCalls: [], finishReason: 'stop' });
  });

  it('replays usage that lies (negative, huge) as written, and a null usage as none reported', async () => {
    const client = await createModelClient({
      spec: `scripted:${await scriptFile(
        'lies.json',
        JSON.stringify({
          model: 'anthropic:claude-haiku-4-5',
          turns: [
            { text: 'a', usage: { input_tokens: 1e15, output_tokens: -50 } },
            { text: 'b', usage: null },
          ],
        }),
      )}`,
      env: {},
      priceTable,
    });
    const first = await client.generate(request);
    expect(first.usage).toEqual({ input: 1e15, output: -50, cacheRead: 0, cacheWrite: 0 });
    expect(first.rawUsage).toEqual({ input_tokens: 1e15, output_tokens: -50 });
    const second = await client.generate({
      ...request,
      messages: [...messages, ...first.responseMessages, { role: 'user', content: 'go on' }],
    });
    expect(second.usage).toEqual({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, missing: true });
  });

  it('is labelled scripted and charged at the price key the file names', async () => {
    const client = await createModelClient({
      spec: `scripted:${await scriptFile('priced.yaml', YAML_SCRIPT)}`,
      env: {},
      priceTable,
    });

    expect(client.provider).toBe('scripted');
    expect(client.label).toBe('scripted:priced.yaml (priced as anthropic:claude-opus-4-7)');
    expect(client.priceKey).toBe('anthropic:claude-opus-4-7');

    const turn = await client.generate(request);
    expect(turn.usage).toEqual({ input: 1200, output: 80, cacheRead: 3000, cacheWrite: 500 });
    expect(turn.rawUsage).toEqual({
      input_tokens: 1200,
      output_tokens: 80,
      cache_read_input_tokens: 3000,
      cache_creation_input_tokens: 500,
    });
    expect(turn.cost).toEqual({
      usd: expect.closeTo((1200 * 5 + 80 * 25 + 3000 * 0.5 + 500 * 6.25) / 1e6, 12),
      priceTableVersion: '2026-11-01',
      priceKey: 'anthropic:claude-opus-4-7',
    });
  });

  it('reads JSON files, and without a model costs nothing and says so', async () => {
    const path = await scriptFile('plain.json', JSON.stringify({ turns: [{ text: 'hello there, world' }] }));
    const client = await createModelClient({ spec: `scripted:${path}`, env: {}, priceTable });

    expect(client.label).toBe('scripted:plain.json (unpriced)');
    expect(client.priceKey).toBe('scripted:unpriced');
    const turn = await client.generate(request);
    expect(turn.text).toBe('hello there, world');
    expect(turn.cost.usd).toBe(0);
  });

  it('estimates usage at 4 characters a token when the file gives none, and says it estimated', async () => {
    const path = await scriptFile('estimate.yaml', 'turns:\n  - text: "twelve chars"\n');
    const client = await createModelClient({ spec: `scripted:${path}`, env: {}, priceTable });
    const turn = await client.generate(request);

    expect(turn.usage.output).toBe(3);
    expect(turn.usage.input).toBeGreaterThan(Math.ceil('Fix the failing test.You are careful.'.length / 4));
    expect(turn.rawUsage).toEqual({ estimated: true, input_tokens: turn.usage.input, output_tokens: 3 });
  });

  it('says how many turns the file has when the agent asks for one more', async () => {
    const path = await scriptFile('short.yaml', 'turns:\n  - text: one\n  - text: two\n');
    const client = await createModelClient({ spec: `scripted:${path}`, env: {}, priceTable });
    const next = conversation(client);
    await next();
    await next();

    const error = await next().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({
      code: 'scripted-turns-exhausted',
      message: `scripted model file ${path} has 2 turns; the agent asked for turn 3`,
    });
  });

  it('replays the same turns when the client streams', async () => {
    const path = await scriptFile('stream.yaml', YAML_SCRIPT);
    const client = await createModelClient({
      spec: `scripted:${path}`,
      env: {},
      priceTable,
      streaming: true,
    });
    const next = conversation(client);
    const first = await next();
    const second = await next();

    expect(first.text).toBe('Let me run the tests.');
    expect(first.toolCalls.map((call) => call.id)).toEqual(['call_1', 'call_2']);
    expect(first.usage).toEqual({ input: 1200, output: 80, cacheRead: 3000, cacheWrite: 500 });
    expect(second.toolCalls).toEqual([
      { id: 'call_3', name: 'shell', input: { command: 'npm test -- --run' } },
    ]);
  });

  it('does not spend a turn on an aborted call', async () => {
    const path = await scriptFile('abort.yaml', 'turns:\n  - text: one\n');
    const client = await createModelClient({ spec: `scripted:${path}`, env: {}, priceTable });
    const error = await client
      .generate({ ...request, abortSignal: AbortSignal.abort() })
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'model-call-failed', isRetryable: false });
    expect((await client.generate(request)).text).toBe('one');
  });

  it('fails at creation when the file names a model with no price', async () => {
    const path = await scriptFile(
      'unknown-price.yaml',
      'model: anthropic:claude-opus-9\nturns:\n  - text: hi\n',
    );
    await expect(createModelClient({ spec: `scripted:${path}`, env: {}, priceTable })).rejects.toMatchObject({
      code: 'price-unknown',
    });
  });

  it('fails at creation when the file does not exist', async () => {
    await expect(
      createModelClient({ spec: `scripted:${join(directory, 'missing.yaml')}`, env: {}, priceTable }),
    ).rejects.toMatchObject({ code: 'path-not-found', message: expect.stringContaining('missing.yaml') });
  });
});

describe('parseScriptedFile', () => {
  function failure(text: string, path: string): UserError {
    try {
      parseScriptedFile(text, path);
    } catch (error) {
      if (error instanceof UserError) return error;
      throw error;
    }
    return expect.fail(`expected ${path} to be rejected`);
  }

  it('names the file and the path of each bad field', () => {
    const error = failure(
      'turns:\n  - text: ok\n  - tool_calls:\n      - input: {}\n    usage: { input_tokens: "many", output_tokens: 3 }\n',
      'bad.yaml',
    );
    expect(error.code).toBe('scripted-file-invalid');
    expect(error.message).toContain('scripted model file bad.yaml is invalid');
    expect(error.message).toContain('turns.1.tool_calls.0.name:');
    expect(error.message).toContain('turns.1.usage.input_tokens:');
  });

  it('rejects a turn with neither text nor tool calls, and misspelt fields', () => {
    expect(
      failure('turns:\n  - usage: { input_tokens: 1, output_tokens: 1 }\n', 'empty.yaml').message,
    ).toContain('turns.0: a turn needs text, tool_calls or both');
    expect(failure('{"turns": [{"text": "x", "toolcalls": []}]}', 'typo.json').message).toMatch(
      /turns\.0: Unrecognized key: "toolcalls"/,
    );
    expect(failure('{"model": "opus", "turns": [{"text": "x"}]}', 'model.json').message).toContain(
      'model: expected a price key such as anthropic:claude-opus-4-7',
    );
  });

  it('reports a file that is not JSON or YAML at all', () => {
    expect(failure('{"turns": [', 'broken.json').message).toMatch(
      /^scripted model file broken\.json is not valid JSON/,
    );
    expect(failure('turns: [text: "a"\n', 'broken.yaml').message).toMatch(
      /^scripted model file broken\.yaml is not valid YAML/,
    );
  });

  it('accepts JSON content in a .yaml file', () => {
    expect(parseScriptedFile('{"turns": [{"text": "hi"}]}', 'json-inside.yaml').turns).toEqual([
      { text: 'hi' },
    ]);
  });
});
