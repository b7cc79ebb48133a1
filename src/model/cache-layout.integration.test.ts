import type { ModelMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonFixture, startVendorServer, type VendorServer } from '../../test/support/vendor-server.ts';
import type { ModelClient } from '../spec/index.ts';
import { createModelClient } from './model-client.ts';
import { loadPriceTable } from './price-table.ts';

let server: VendorServer;
beforeAll(async () => {
  server = await startVendorServer();
});
afterAll(() => server.close());

type Block = { type: string; cache_control?: unknown };
type Body = { system?: Block[]; messages: Array<{ role: string; content: Block[] }>; tools?: unknown[] };

/** Where the request put its cache breakpoints: `system`, or `ROLE@INDEX` of the message. */
function breakpoints(body: Body): string[] {
  const found: string[] = [];
  if (body.system?.some((block) => block.cache_control)) found.push('system');
  body.messages.forEach((message, index) => {
    if (message.content.some((block) => block.cache_control)) found.push(`${message.role}@${index}`);
  });
  return found;
}

describe('prompt cache layout (local Anthropic and OpenAI servers)', () => {
  const conversation: ModelMessage[] = [
    { role: 'user', content: 'Fix the failing test.' },
    {
      role: 'assistant',
      content: [{ type: 'tool-call', toolCallId: 't1', toolName: 'shell', input: { command: 'npm test' } }],
    },
    {
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: 't1',
          toolName: 'shell',
          output: { type: 'text', value: '1 failing' },
        },
      ],
    },
    {
      role: 'assistant',
      content: [{ type: 'tool-call', toolCallId: 't2', toolName: 'shell', input: { command: 'cat a.ts' } }],
    },
    {
      role: 'tool',
      content: [
        { type: 'tool-result', toolCallId: 't2', toolName: 'shell', output: { type: 'text', value: 'code' } },
      ],
    },
  ];
  const tools = {
    shell: {
      description: 'Run a command',
      inputSchema: { type: 'object', properties: { command: { type: 'string' } } },
    },
  };

  /** One call with the conversation's first `earlier` messages, then one with all of it. */
  const callTwice = async (client: ModelClient, earlier: number) => {
    for (const messages of [conversation.slice(0, earlier), conversation]) {
      await client.generate({ system: 'You are careful.', messages, tools, maxOutputTokens: 100 });
    }
  };

  it('marks the system prompt, the newest message and the previous call’s newest message for Anthropic', async () => {
    const client = await createModelClient({
      spec: 'anthropic:claude-sonnet-4-6',
      env: { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: server.url },
      priceTable: loadPriceTable(),
    });
    server.reply(jsonFixture('anthropic/anthropic-text.json'), jsonFixture('anthropic/anthropic-text.json'));
    await callTwice(client, 1);
    const [first, second] = server.requests.map((request) => request.body as Body);
    expect(breakpoints(first!)).toEqual(['system', 'user@0']);
    // Anthropic groups tool results into user turns: messages are user, assistant, user, assistant, user.
    expect(breakpoints(second!)).toEqual(['system', 'user@2', 'user@4']);
    expect(second!.system).toEqual([
      { type: 'text', text: 'You are careful.', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('keeps the OpenAI prefix byte-stable: a later call starts with the earlier call’s messages unchanged', async () => {
    server.requests.length = 0;
    const client = await createModelClient({
      spec: 'openai:gpt-5.1',
      env: { OPENAI_API_KEY: 'sk-openai-test', OPENAI_BASE_URL: `${server.url}/v1` },
      priceTable: loadPriceTable(),
    });
    server.reply(jsonFixture('openai-chat/openai-text.json'), jsonFixture('openai-chat/openai-text.json'));
    await callTwice(client, 3);
    const [first, second] = server.requests.map(
      (request) => request.body as { messages: unknown[]; tools: unknown },
    );
    const earlier = JSON.stringify(first!.messages).slice(0, -1);
    expect(JSON.stringify(second!.messages).startsWith(earlier)).toBe(true);
    expect(JSON.stringify(second!.tools)).toBe(JSON.stringify(first!.tools));
  });
});
