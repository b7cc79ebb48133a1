import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';
import { type OtlpReceiver, refusedUrl, startOtlpReceiver } from '../support/otlp-receiver.ts';

const SCRIPT = {
  turns: [
    { tool_calls: [{ name: 'list_files', input: {} }], usage: { input_tokens: 100, output_tokens: 5 } },
    { text: 'done', usage: { input_tokens: 100, output_tokens: 5 } },
  ],
};

/** A collector that is down or hangs costs a task nothing but one warning and at most ~2 s at exit. */
describe('a collector that is down or hangs', () => {
  const work = scratch('telemetry-hostile');
  let repo: string;
  let hanging: OtlpReceiver;
  let baselineMs = 0;
  const run = async (env: Record<string, string>) => {
    const started = Date.now();
    const result = await runWarden(
      [
        'run',
        '--repo',
        repo,
        '--task',
        'look',
        '--model',
        `scripted:${writeScript(work.dir, SCRIPT)}`,
        '--json',
        '--data-dir',
        path.join(work.dir, 'home'),
      ],
      { env: { OTEL_EXPORTER_OTLP_ENDPOINT: '', ...env }, timeoutMs: 30_000 },
    );
    return { ...result, ms: Date.now() - started };
  };
  const warnings = (stderr: string) => stderr.split('\n').filter((line) => line.includes('telemetry'));

  beforeAll(async () => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    hanging = await startOtlpReceiver({ mode: 'hang' });
    baselineMs = (await run({})).ms;
  }, 60_000);
  afterAll(async () => {
    await hanging.close();
    work.cleanup();
  });

  it('refused connections: the task succeeds, the process exits within the bound, one warning', async () => {
    const result = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: await refusedUrl() });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'unverified' });
    expect(result.ms).toBeLessThan(baselineMs + 3_500);
    expect(warnings(result.stderr)).toHaveLength(1);
  }, 60_000);

  it('a collector that never answers: the same', async () => {
    const result = await run({ OTEL_EXPORTER_OTLP_ENDPOINT: hanging.url });
    expect(result.code, result.stderr).toBe(0);
    expect(result.ms).toBeLessThan(baselineMs + 3_500);
    expect(warnings(result.stderr)).toHaveLength(1);
    expect(warnings(result.stderr)[0]).toMatch(/did not answer within 2 s/);
  }, 60_000);
});
