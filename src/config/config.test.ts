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
