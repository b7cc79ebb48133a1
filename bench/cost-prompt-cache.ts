import { createHash } from 'node:crypto';
import type { ModelMessage } from 'ai';
import { z } from 'zod';
import { BUILTIN_TOOLS, SYSTEM_PROMPT } from '../src/agent/index.ts';
import { createModelClient, loadPriceTable } from '../src/model/index.ts';
import { startVendorServer } from '../test/support/vendor-server.ts';

type Block = Record<string, unknown> & { cache_control?: unknown };
type Body = { system?: Block[]; tools?: Block[]; messages: Array<{ role: string; content: Block[] }> };

/** Blocks Anthropic looks back over from a breakpoint for an earlier cache entry. */
const LOOKBACK_BLOCKS = 20;
/** Characters per token for the simulation (prose and JSON average about four). */
const CHARACTERS_PER_TOKEN = 4;

export interface CacheShare {
  /** Share of all input tokens (input + cache reads + cache writes) served from the cache. */
  readShare: number;
  /** Share of all input tokens written to the cache. */
  writeShare: number;
}

/**
 * Anthropic's prompt cache, simulated over recorded request bodies: the prompt is the sequence of
 * blocks tools → system → messages; a breakpoint writes the prefix ending at its block; a request reads
 * the longest prefix written before that ends at a breakpoint or up to 20 blocks before one. Tokens are
 * characters / 4 of each block's JSON. This is a model of the vendor, stated as such, not a vendor.
 */
export function simulatePrefixCache(bodies: readonly Body[]): CacheShare {
  const written = new Set<string>();
  let read = 0;
  let write = 0;
  let total = 0;
  for (const body of bodies) {
    const blocks: Block[] = [
      ...(body.tools ?? []),
      ...(body.system ?? []),
      ...body.messages.flatMap((message) =>
        message.content.map((block) => ({ ...block, role: message.role })),
      ),
    ];
    const hashes: string[] = [];
    const tokens: number[] = [];
    const hash = createHash('sha256');
    let count = 0;
    for (const block of blocks) {
      const { cache_control: _mark, ...content } = block;
      const text = JSON.stringify(content);
      hash.update(text);
      hashes.push(hash.copy().digest('hex'));
      count += text.length / CHARACTERS_PER_TOKEN;
      tokens.push(count);
    }
    const marks = blocks.flatMap((block, index) => (block.cache_control ? [index] : []));
    let hit = -1;
    for (const mark of marks) {
      for (let index = mark; index >= Math.max(0, mark - LOOKBACK_BLOCKS); index -= 1) {
        if (written.has(hashes[index]!)) {
          hit = Math.max(hit, index);
          break;
        }
      }
    }
    const readTokens = hit < 0 ? 0 : tokens[hit]!;
    const last = marks.at(-1);
    const writeTokens = last === undefined ? 0 : Math.max(0, tokens[last]! - readTokens);
    for (const mark of marks) written.add(hashes[mark]!);
    read += readTokens;
    write += writeTokens;
    total += count;
  }
  return { readShare: read / total, writeShare: write / total };
}

/** A tool result of a few KB, different every step (a file, a test run). */
function toolOutput(step: number): string {
  const lines = Array.from(
    { length: 60 },
    (_, line) => `  ${step}.${line}: const value${line} = compute(${step}, ${line}); // keep`,
  );
  return `src/module${step}.ts\n${lines.join('\n')}`;
}

/**
 * (a) A 30-step agent conversation through the real Anthropic client against the local server (which
 * records each request): the share of input tokens read from the cache under Warden's breakpoints
 * against a naive layout that marks only the system prompt (the same requests with the message
 * breakpoints taken out).
 */
export async function benchPromptCache(steps = 30) {
  const server = await startVendorServer();
  try {
    let step = 0;
    server.respond(() => {
      step += 1;
      return {
        kind: 'json',
        body: {
          id: `msg_${step}`,
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-6',
          content: [
            {
              type: 'tool_use',
              id: `toolu_${step}`,
              name: 'read_file',
              input: { path: `src/module${step}.ts` },
            },
          ],
          stop_reason: 'tool_use',
          stop_sequence: null,
          usage: { input_tokens: 1000, output_tokens: 40 },
        },
      };
    });
    const client = await createModelClient({
      spec: 'anthropic:claude-sonnet-4-6',
      env: { ANTHROPIC_API_KEY: 'sk-ant-bench', ANTHROPIC_BASE_URL: server.url },
      priceTable: loadPriceTable(),
    });
    const tools = Object.fromEntries(
      BUILTIN_TOOLS.map((tool) => [
        tool.name,
        { description: tool.description, inputSchema: z.toJSONSchema(tool.input) as Record<string, unknown> },
      ]),
    );
    const messages: ModelMessage[] = [
      { role: 'user', content: 'The discount tests fail; find out why and fix it.' },
    ];
    for (let index = 0; index < steps; index += 1) {
      const turn = await client.generate({ system: SYSTEM_PROMPT, messages, tools, maxOutputTokens: 4096 });
      messages.push(...turn.responseMessages);
      const call = turn.toolCalls[0]!;
      messages.push({
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: call.id,
            toolName: call.name,
            output: { type: 'text', value: toolOutput(index) },
          },
        ],
      });
    }
    const bodies = server.requests.map((request) => request.body as Body);
    const naive = bodies.map((body) => ({
      ...body,
      messages: body.messages.map((message) => ({
        ...message,
        content: message.content.map(({ cache_control: _mark, ...block }) => block),
      })),
    }));
    const warden = simulatePrefixCache(bodies);
    const baseline = simulatePrefixCache(naive);
    return { steps, warden, naive: baseline, ratio: warden.readShare / baseline.readShare };
  } finally {
    await server.close();
  }
}
