import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costOf, loadPriceTable } from '../../src/model/index.ts';
import { makeRepo, runWarden, scratch } from '../support/cli.ts';
import { vendorBatches } from '../support/vendor-batches.ts';
import { startVendorServer, type VendorServer } from '../support/vendor-server.ts';

/** A task marked not latency-sensitive (`agent.batch`), run by the real CLI against a local Anthropic. */
describe('a batch task through the real CLI (local vendor server)', () => {
  const work = scratch('batch-task');
  let server: VendorServer;
  let repo: string;
  const reply = {
    id: 'msg_batch',
    type: 'message',
    role: 'assistant',
    model: 'claude-haiku-4-5',
    content: [{ type: 'text', text: 'Nothing to change: the nightly report is already current.' }],
    stop_reason: 'end_turn',
    usage: {
      input_tokens: 1800,
      output_tokens: 40,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    },
  };
  const run = async (name: string, config: Record<string, unknown>, model: string) => {
    const configFile = path.join(work.dir, `${name}.json`);
    writeFileSync(configFile, JSON.stringify(config));
    const home = path.join(work.dir, `home-${name}`);
    const result = await runWarden(
      [
        'run',
        '--repo',
        repo,
        '--task',
        'refresh the nightly report',
        '--model',
        model,
        '--config',
        configFile,
        '--json',
      ],
      {
        env: {
          WARDEN_HOME: home,
          ANTHROPIC_API_KEY: 'sk-ant-test',
          ANTHROPIC_BASE_URL: server.url,
        },
      },
    );
    return { ...result, home };
  };

  beforeAll(async () => {
    server = await startVendorServer();
    repo = makeRepo(path.join(work.dir, 'repo'), { 'REPORT.md': '# nightly\n' });
  });
  afterAll(async () => {
    await server.close();
    work.cleanup();
  });

  it('sends every model call through Message Batches and books it at the batch price', async () => {
    const batches = vendorBatches({ answer: () => reply, pollsBeforeEnd: 0 });
    server.respond(batches.handler);
    const { code, stderr, stdout, home } = await run(
      'batch',
      { agent: { batch: true } },
      'anthropic:claude-haiku-4-5',
    );
    expect(code, stderr).toBe(0);
    expect(batches.created).toBe(1);
    expect(server.requests.some((request) => request.path === '/v1/messages')).toBe(false);

    const events = JSON.parse(
      (await runWarden(['trace', JSON.parse(stdout).taskId, '--json'], { env: { WARDEN_HOME: home } }))
        .stdout,
    ) as Array<Record<string, unknown>>;
    const response = events.find((event) => event.type === 'model-response')!;
    const usage = response.usage as Parameters<typeof costOf>[2];
    const priceTable = loadPriceTable();
    expect(response.batch).toBe(true);
    expect(response.costUsd).toBeCloseTo(
      costOf(priceTable, 'anthropic:claude-haiku-4-5', usage, { batch: true }).usd,
      12,
    );
    expect(response.costUsd as number).toBeCloseTo(
      costOf(priceTable, 'anthropic:claude-haiku-4-5', usage).usd / 2,
      12,
    );
  });

  it('refuses batch mode on an openai-compatible server, saying what to change', async () => {
    const { code, stderr } = await run(
      'compatible',
      { agent: { batch: true } },
      'openai-compatible:llama3@http://127.0.0.1:9/v1',
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/no batch API/);
    expect(stderr).toMatch(/agent\.batch/);
  });
});
