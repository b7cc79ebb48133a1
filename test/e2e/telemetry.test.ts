import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';
import { type OtlpReceiver, refusedUrl, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { startServer, TOKEN } from '../support/serve.ts';

const SCRIPT = {
  model: 'anthropic:claude-sonnet-4-6',
  turns: [
    {
      text: 'looking around',
      tool_calls: [{ name: 'list_files', input: {} }],
      usage: { input_tokens: 1000, output_tokens: 20, cache_read_input_tokens: 300 },
    },
    { text: 'all done', usage: { input_tokens: 1200, output_tokens: 10 } },
  ],
};
const PROMPT = 'list the files, secret-prompt-marker';

describe('OpenTelemetry export of a task', () => {
  const work = scratch('telemetry');
  let repo: string;
  let receiver: OtlpReceiver;
  const home = (name: string) => ['--data-dir', path.join(work.dir, name)];
  const run = (name: string, env: Record<string, string>, ...extra: string[]) =>
    runWarden(
      [
        'run',
        '--repo',
        repo,
        '--task',
        PROMPT,
        '--model',
        `scripted:${writeScript(work.dir, SCRIPT)}`,
        '--json',
        ...home(name),
        ...extra,
      ],
      { env: { OTEL_EXPORTER_OTLP_ENDPOINT: '', ...env } },
    );

  beforeAll(async () => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    work.cleanup();
  });

  it('sends one trace (protobuf by default): invoke_agent over chat and execute_tool, no content', async () => {
    const result = await run('proto', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    expect(result.code, result.stderr).toBe(0);
    const { taskId } = JSON.parse(result.stdout) as { taskId: string };
    const traces = receiver.requests.filter((one) => one.path === '/v1/traces');
    expect(traces.map((one) => one.contentType)).toEqual(['application/x-protobuf']);
    const spans = receiver
      .spans()
      .filter((span) => span.attributes['warden.task.id'] === taskId || span.parentSpanId);
    expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);
    const root = spans.find((span) => span.parentSpanId === '')!;
    expect(root.name).toBe('invoke_agent coder');
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'coder',
      'warden.task.id': taskId,
      'warden.task.status': 'unverified',
    });
    expect(root.attributes['warden.budget.limit_usd']).toBeTypeOf('number');
    expect(root.attributes['warden.budget.left_usd']).toBeTypeOf('number');
    const chats = spans.filter((span) => span.name.startsWith('chat '));
    expect(chats).toHaveLength(2);
    for (const chat of chats) expect(chat.parentSpanId).toBe(root.spanId);
    expect(chats[0]!.kind).toBe(3); // CLIENT in OTLP's numbering
    expect(chats[0]!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'warden.scripted',
      'gen_ai.usage.input_tokens': 1300,
      'gen_ai.usage.output_tokens': 20,
      'gen_ai.usage.cache_read.input_tokens': 300,
    });
    expect(chats[0]!.attributes['gen_ai.response.finish_reasons']).toEqual([expect.any(String)]);
    expect(chats[0]!.attributes['warden.cost.usd']).toBeTypeOf('number');
    const tool = spans.find((span) => span.name === 'execute_tool list_files')!;
    expect(tool.parentSpanId).toBe(root.spanId);
    expect(tool.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'list_files',
      'warden.policy.decision': 'allow',
    });
    expect(tool.attributes['gen_ai.tool.call.id']).toBeTypeOf('string');
    expect(tool.attributes['warden.policy.ids']).toEqual(expect.any(Array));
    expect(tool.startNs >= chats[0]!.endNs && tool.endNs <= chats[1]!.startNs).toBe(true);
    // Content is off by default.
    const everything = JSON.stringify(spans.map((span) => span.attributes));
    expect(everything).not.toContain('secret-prompt-marker');
    expect(everything).not.toContain('gen_ai.tool.call.arguments');
    expect(everything).not.toContain('gen_ai.output.messages');
    // Metrics went too.
    const points = receiver.points();
    expect(
      points
        .filter((point) => point.name === 'gen_ai.client.token.usage')
        .map((point) => point.attributes['gen_ai.token.type'])
        .sort(),
    ).toEqual(['input', 'output']);
    expect(points.find((point) => point.name === 'warden.task.outcomes')).toMatchObject({
      value: 1,
      attributes: { 'warden.task.status': 'unverified' },
    });
    expect(
      points.find((point) => point.name === 'warden.policy.decisions')?.attributes['warden.policy.decision'],
    ).toBe('allow');

    // Re-sent on request: the same trace, the same span ids.
    const before = receiver.spans().length;
    const again = await runWarden(['telemetry', 'export', taskId, ...home('proto')], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`sent ${spans.length} spans`);
    const resent = receiver.spans().slice(before);
    expect(resent.map((span) => span.spanId).sort()).toEqual(spans.map((span) => span.spanId).sort());
  }, 60_000);

  it('sends OTLP/JSON with content when the config asks for it', async () => {
    const config = path.join(work.dir, 'content.yaml');
    writeFileSync(
      config,
      `telemetry:\n  endpoint: ${receiver.url}\n  protocol: http/json\n  captureContent: true\n`,
    );
    const result = await run('json', {}, '--config', config);
    expect(result.code, result.stderr).toBe(0);
    const { taskId } = JSON.parse(result.stdout) as { taskId: string };
    const request = receiver.requests.find(
      (one) => one.contentType === 'application/json' && JSON.stringify(one.body).includes(taskId),
    );
    expect(request).toBeDefined();
    const spans = receiver
      .spans()
      .filter(
        (span) =>
          span.traceId ===
          receiver.spans().find((one) => one.attributes['warden.task.id'] === taskId)!.traceId,
      );
    const root = spans.find((span) => span.parentSpanId === '')!;
    expect(String(root.attributes['gen_ai.input.messages'])).toContain('secret-prompt-marker');
    const tool = spans.find((span) => span.name === 'execute_tool list_files')!;
    expect(tool.attributes['gen_ai.tool.call.arguments']).toBe('{}');
    expect(tool.attributes['gen_ai.tool.call.result']).toContain('README.md');
    expect(
      String(spans.find((span) => span.name.startsWith('chat '))!.attributes['gen_ai.output.messages']),
    ).toContain('looking around');
  }, 60_000);

  it('keeps a secret the model wrote out of the exported content, naming it by fingerprint', async () => {
    // Made up: the shape of an AWS key pair, of no account.
    const secret = 'Zq8wR3nT6yB1mK4vX7cL0pH5sJ2dF9gA6eU3iO1k';
    const script = writeScript(
      work.dir,
      {
        turns: [
          {
            tool_calls: [
              {
                name: 'write_file',
                input: { path: 'deploy.env', content: `aws_secret_access_key = ${secret}\n` },
              },
            ],
            usage: { input_tokens: 500, output_tokens: 20 },
          },
          { text: `wrote the key ${secret}`, usage: { input_tokens: 600, output_tokens: 10 } },
        ],
      },
      'secret-script.json',
    );
    const config = path.join(work.dir, 'secret.yaml');
    writeFileSync(
      config,
      `telemetry:\n  endpoint: ${receiver.url}\n  protocol: http/json\n  captureContent: true\n`,
    );
    const result = await runWarden(
      [
        'run',
        '--repo',
        repo,
        '--task',
        'write the deploy settings',
        '--model',
        `scripted:${script}`,
        '--json',
      ].concat(home('secret'), ['--config', config]),
      { env: { OTEL_EXPORTER_OTLP_ENDPOINT: '' } },
    );
    // The secret scan kept it off the branch; the export keeps it off the collector.
    const { taskId } = JSON.parse(result.stdout) as { taskId: string };
    const traceId = receiver.spans().find((one) => one.attributes['warden.task.id'] === taskId)?.traceId;
    expect(traceId).toBeDefined();
    const spans = receiver.spans().filter((span) => span.traceId === traceId);
    const write = spans.find((span) => span.name === 'execute_tool write_file')!;
    expect(String(write.attributes['gen_ai.tool.call.arguments'])).toMatch(/\[secret [0-9a-f]{16}\]/);
    expect(JSON.stringify(receiver.requests.map((request) => request.body))).not.toContain(secret);
  }, 60_000);

  it('exits 2 when asked to export without a collector, and 1 when the collector is down', async () => {
    const tasks = JSON.parse((await runWarden(['tasks', '--json', ...home('proto')])).stdout) as Array<{
      id: string;
    }>;
    const taskId = tasks[0]!.id;
    const none = await runWarden(['telemetry', 'export', taskId, ...home('proto')], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: '' },
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no OpenTelemetry collector is configured');
    const down = await runWarden(['telemetry', 'export', taskId, ...home('proto')], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: await refusedUrl() },
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/did not take it: ECONNREFUSED/);
  }, 60_000);

  it('serves the same counters as Prometheus text on GET /metrics, behind the token', async () => {
    const server = await startServer([...home('proto')], {
      WARDEN_API_TOKEN: TOKEN,
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
    });
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      const response = await fetch(`${server.url}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      for (const name of [
        'warden_cost_usd_total',
        'warden_task_outcomes_total',
        'warden_policy_decisions_total',
        'warden_breaker_opens_total',
      ])
        expect(text).toContain(`# TYPE ${name} counter`);
      expect(text).toContain('# TYPE gen_ai_client_token_usage histogram');
      expect(text).toMatch(
        /^warden_task_outcomes_total\{gen_ai_agent_name="coder",warden_task_status="unverified"\} 1$/m,
      );
      expect(text).toMatch(/^warden_policy_decisions_total\{.*warden_policy_decision="allow".*\} 1$/m);
      // Every sample line is NAME{LABELS} VALUE.
      for (const line of text.split('\n').filter((one) => one && !one.startsWith('#')))
        expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+]+$/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 60_000);
});
