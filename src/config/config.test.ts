import { describe, expect, it } from 'vitest';
import { parseConfig } from './load-config.ts';
import { starterConfig } from './starter-config.ts';

describe('config', () => {
  it('fills every default from an empty file', () => {
    const config = parseConfig('');
    expect(config.budget.maxUsd).toBe(2);
    expect(config.budget.maxSteps).toBe(40);
    expect(config.sandbox.commandTimeoutMs).toBe(120_000);
  });

  it('names every bad field by its path', () => {
    const attempt = () =>
      parseConfig('budget:\n  maxUsd: "lots"\n  maxStep: 3\nsandbox:\n  commandTimeoutMs: -1\n');
    expect(attempt).toThrow(/budget\.maxUsd: /);
    expect(attempt).toThrow(/sandbox\.commandTimeoutMs: /);
    expect(attempt).toThrow(/maxStep/);
  });

  it('rejects text that is not YAML', () => {
    expect(() => parseConfig('budget: [unclosed', 'my.yaml')).toThrow(/my\.yaml: not valid YAML/);
  });

  it('writes a starter config that parses back to the defaults and explains each field', () => {
    const text = starterConfig();
    expect(parseConfig(text)).toEqual(parseConfig(''));
    expect(text).toContain('# Most a task may spend on model calls, in USD.');
    expect(text).toMatch(/^ {2}maxUsd: 2$/m);
  });
});

describe('model settings', () => {
  it('reads prices and timeouts per model, keyed by price key or full spec', () => {
    const config = parseConfig(
      [
        'provider:',
        '  timeouts:',
        '    firstByteMs: 5000',
        'models:',
        '  "openai-compatible:qwen3@http://127.0.0.1:8000/v1":',
        '    inputPerMTok: 0',
        '    outputPerMTok: 0',
        '    timeouts:',
        '      totalMs: 90000',
        'pricing:',
        '  allowUnpriced: true',
      ].join('\n'),
    );
    expect(config.provider).toMatchObject({
      streaming: true,
      timeouts: { firstByteMs: 5000, totalMs: 600_000 },
    });
    expect(config.provider.retry).toEqual({ maxAttempts: 3, backoffBaseMs: 500, backoffMaxMs: 30_000 });
    expect(config.models['openai-compatible:qwen3@http://127.0.0.1:8000/v1']).toEqual({
      inputPerMTok: 0,
      outputPerMTok: 0,
      timeouts: { totalMs: 90000 },
    });
    expect(config.pricing.allowUnpriced).toBe(true);
  });

  it('refuses half a price and a key that is not a model', () => {
    expect(() => parseConfig('models:\n  "openai:gpt-5.1":\n    inputPerMTok: 1\n')).toThrow(/outputPerMTok/);
    expect(() => parseConfig('models:\n  "gpt-5.1":\n    inputPerMTok: 1\n    outputPerMTok: 1\n')).toThrow(
      /models\.gpt-5\.1/,
    );
  });
});

describe('config reference', () => {
  it('documents every config field in the README', async () => {
    const { readFileSync } = await import('node:fs');
    const { ConfigSchema } = await import('./config-schema.ts');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const defaults = ConfigSchema.parse({}) as Record<string, unknown>;
    const fields = Object.entries(defaults).flatMap(([key, value]) =>
      typeof value === 'object' && value !== null
        ? Object.keys(value).map((field) => `${key}.${field}`)
        : [key],
    );
    const missing = fields.filter((field) => !readme.includes(`\`${field}\``));
    expect(missing).toEqual([]);
  });
});
