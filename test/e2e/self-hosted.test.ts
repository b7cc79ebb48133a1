import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeRepo, runWarden, scratch } from '../support/cli.ts';
import {
  openaiChatStream,
  openaiError,
  type RecordedRequest,
  startVendorServer,
  type VendorServer,
} from '../support/vendor-server.ts';

/**
 * A self-hosted model (an OpenAI-compatible server such as vLLM or Ollama, here a local server speaking
 * its wire format) through the real `warden run`: prices from the config, from pricing.tablePath or
 * none at all; rate limits, hangs, garbage tool arguments and runaway replies on the way.
 */
describe('a self-hosted model through warden run (real CLI)', { timeout: 90_000 }, () => {
  const work = scratch('self-hosted');
  let repo: string;
  let server: VendorServer;
  let spec: string;

  const run = async (name: string, config: Record<string, unknown>) => {
    const configFile = path.join(work.dir, `${name}.json`);
    writeFileSync(configFile, JSON.stringify(config));
    const home = path.join(work.dir, `home-${name}`);
    const base = ['--config', configFile, '--data-dir', home];
    const result = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      'say hello',
      '--model',
      spec,
      ...base,
      '--json',
    ]);
    const report = result.stdout ? JSON.parse(result.stdout) : undefined;
    const trace = report
      ? await runWarden(['trace', String(report.taskId), '--json', '--data-dir', home])
      : undefined;
    return {
      code: result.code,
      stderr: result.stderr,
      report,
      events: JSON.parse(trace?.stdout || '[]') as Array<Record<string, unknown>>,
    };
  };

  beforeAll(async () => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# app\n' });
    server = await startVendorServer();
    spec = `openai-compatible:m@${server.url}/v1`;
  });
  afterAll(async () => {
    await server.close();
    work.cleanup();
  });
  beforeEach(() => {
    server.requests.length = 0;
    server.respond(undefined);
  });

  it('runs with a price declared in the config: a 429 is retried, bad tool arguments go back raw, a huge reply is capped in the journal', async () => {
    const huge = 'x'.repeat(5 * 1024 * 1024);
    server.reply(
      openaiError(429, 'rate_limit_exceeded', 'slow down', { 'retry-after-ms': '5' }),
      openaiChatStream({
        toolCalls: [{ id: 'call_1', name: 'read_file', arguments: '{"path": "README.md' }],
      }),
      openaiChatStream({ text: huge }),
    );
    const { code, stderr, report, events } = await run('declared', {
      models: { [spec]: { inputPerMTok: 1, outputPerMTok: 2 } },
    });

    expect(code, stderr).toBe(0);
    expect(report).toMatchObject({ status: 'unverified', unpriced: false, steps: 2 });
    expect(report.costUsd).toBeGreaterThan(0);
    expect(events.filter((event) => event.type === 'route-decision')).toEqual([
      expect.objectContaining({
        kind: 'retry',
        tier: null,
        attempt: 2,
        reason: expect.stringContaining('HTTP 429'),
      }),
    ]);
    // The model is told what it sent and why it could not be read.
    const third = server.requests[2] as RecordedRequest & {
      body: { messages: { role: string; content: unknown }[] };
    };
    const toolResult = third.body.messages.find((message) => message.role === 'tool');
    expect(String(toolResult?.content)).toContain('not valid JSON');
    expect(String(toolResult?.content)).toContain('{"path": "README.md');
    // The journal keeps a bounded reply and says how big it was.
    const last = events.filter((event) => event.type === 'model-response').at(-1)!;
    expect(last).toMatchObject({ textChars: huge.length, textTrimmed: true });
    expect(String(last.text).length).toBeLessThan(300_000);
  });

  it('runs unpriced at $0 only under pricing.allowUnpriced, and says so', async () => {
    server.reply(openaiChatStream({ text: 'hello' }));
    const { code, stderr, report } = await run('unpriced', { pricing: { allowUnpriced: true } });

    expect(code, stderr).toBe(0);
    expect(report).toMatchObject({ status: 'unverified', unpriced: true, costUsd: 0 });
  });

  it('refuses a model with no price, showing the config that would price it', async () => {
    const { code, stderr } = await run('no-price', {});

    expect(code).toBe(2);
    expect(stderr).toContain('no price for model openai-compatible:m');
    expect(stderr).toContain('models:\n  "openai-compatible:m":\n    inputPerMTok: 0');
    expect(stderr).toContain('allowUnpriced: true');
    expect(server.requests).toEqual([]);
  });

  it('warden models lists the prices declared in the config', async () => {
    const configFile = path.join(work.dir, 'models.json');
    writeFileSync(
      configFile,
      JSON.stringify({ models: { [spec]: { inputPerMTok: 0.5, outputPerMTok: 1.5 } } }),
    );
    const result = await runWarden(['models', '--json', '--config', configFile, '--data-dir', work.dir]);
    expect(result.code, result.stderr).toBe(0);
    const listed = JSON.parse(result.stdout) as { version: string; models: { key: string; input: number }[] };
    expect(listed.models.find((model) => model.key === 'openai-compatible:m')).toMatchObject({ input: 0.5 });
    expect(listed.version).toMatch(/\+config-/);
  });

  it('takes prices from pricing.tablePath, and a server that hangs fails the task naming the timeout', async () => {
    const table = path.join(work.dir, 'prices.json');
    writeFileSync(
      table,
      JSON.stringify({
        m: {
          litellm_provider: 'openai-compatible',
          mode: 'chat',
          input_cost_per_token: 0,
          output_cost_per_token: 0,
        },
      }),
    );
    server.respond(() => ({ kind: 'json', body: {}, hang: true }));
    const { code, stderr, report, events } = await run('table-hang', {
      pricing: { tablePath: table },
      provider: { retry: { maxAttempts: 2, backoffBaseMs: 1 } },
      models: { 'openai-compatible:m': { timeouts: { firstByteMs: 300 } } },
    });

    expect(code, stderr).toBe(1);
    expect(report).toMatchObject({ status: 'failed', stopReason: 'model-error' });
    expect(report.detail).toContain('no first byte of the reply within 300 ms');
    expect(report.detail).toContain('models."openai-compatible:m".timeouts.firstByteMs');
    expect(events.filter((event) => event.type === 'route-decision').map((event) => event.kind)).toEqual([
      'retry',
      'give-up',
    ]);
  });
});
