import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRequest } from '../spec/index.ts';
import { createModelClient } from './model-client.ts';
import { loadPriceTable } from './price-table.ts';

const priceTable = loadPriceTable();
let script: string;
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'warden-model-client-'));
  script = join(directory, 'turns.json');
  // No usage: the scripted model estimates its input from the prompt it was sent, whole.
  const turns = Array.from({ length: 6 }, (_, index) => ({
    text: `turn ${index + 1}`,
    tool_calls: [{ name: 'shell', input: { command: `echo ${index + 1}` } }],
  }));
  await writeFile(script, JSON.stringify({ turns }));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const base: Omit<ModelRequest, 'messages'> = {
  system: 'You are careful.',
  tools: { shell: { description: 'run a command', inputSchema: { type: 'object', properties: {} } } },
  maxOutputTokens: 512,
};

function toolResult(callId: string, value: string): ModelMessage {
  return {
    role: 'tool',
    content: [
      { type: 'tool-result', toolCallId: callId, toolName: 'shell', output: { type: 'text', value } },
    ],
  };
}

describe('model client', () => {
  it('sends the whole conversation at every step, as a client that never saw it would', async () => {
    const client = await createModelClient({ spec: `scripted:${script}`, env: {}, priceTable });
    const history: ModelMessage[] = [{ role: 'user', content: 'Fix the failing test.' }];
    for (let step = 1; step <= 4; step++) {
      const turn = await client.generate({ ...base, messages: [...history] });
      const fresh = await createModelClient({ spec: `scripted:${script}`, env: {}, priceTable });
      const alone = await fresh.generate({ ...base, messages: [...history] });
      expect(turn.text).toBe(`turn ${step}`);
      expect(turn.usage).toEqual(alone.usage);
      expect(turn.responseMessages).toEqual(alone.responseMessages);
      history.push(...turn.responseMessages, toolResult(turn.toolCalls[0]!.id, `output ${step}`));
    }
  });

  it('answers a call repeated with the same messages (a retry) the same way', async () => {
    const client = await createModelClient({ spec: `scripted:${script}`, env: {}, priceTable });
    const messages: ModelMessage[] = [{ role: 'user', content: 'Fix the failing test.' }];
    const first = await client.generate({ ...base, messages });
    const again = await client.generate({ ...base, messages });
    expect(again.text).toBe(first.text);
    expect(again.usage).toEqual(first.usage);
  });

  it('still refuses a message that breaks the schema when the ones before it were sent already', async () => {
    const client = await createModelClient({ spec: `scripted:${script}`, env: {}, priceTable });
    const history: ModelMessage[] = [{ role: 'user', content: 'Fix the failing test.' }];
    const turn = await client.generate({ ...base, messages: [...history] });
    history.push(...turn.responseMessages);
    const broken = {
      role: 'tool',
      content: [{ type: 'tool-result', toolCallId: 7 }],
    } as unknown as ModelMessage;
    await expect(client.generate({ ...base, messages: [...history, broken] })).rejects.toThrow(
      /do not match the ModelMessage\[\] schema/,
    );
    // Refused, not remembered: sent again, it is checked again.
    await expect(client.generate({ ...base, messages: [...history, broken] })).rejects.toThrow(
      /do not match the ModelMessage\[\] schema/,
    );
  });
});
