import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTap } from './parse-tap.ts';
import { statusOf } from './test-results.ts';

const NODE = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));

const SAMPLE_TESTS = `
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';

test('adds numbers', () => assert.equal(1 + 1, 2));
test('compares strings', () => assert.equal('a', 'b'));
test('not yet written', { skip: 'waiting on the parser' }, () => {});
test('known gap', { todo: true }, () => assert.fail('todo'));
test('reads C:\\\\temp # with a hash', () => {});

describe('parser', () => {
  it('reads a header', () => {});
  describe('with nested suites', () => {
    it('reads a row', () => {});
    it('fails deep', () => {
      throw new Error('deep failure\\nok 99 - a line of the error that looks like a test');
    });
  });
});

test('parent test', async (context) => {
  await context.test('child passes', () => {});
  await context.test('child skipped', { skip: true }, () => {});
  await context.test('reads a row', () => {});
});
`;

describe('parseTap', () => {
  let directory: string;
  let output: string;

  beforeAll(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'warden-tap-'));
    writeFileSync(path.join(directory, 'sample.test.mjs'), SAMPLE_TESTS);
    const environment = { ...process.env };
    delete environment.NODE_OPTIONS;
    const run = spawnSync(NODE, ['--test', '--test-reporter=tap', 'sample.test.mjs'], {
      cwd: directory,
      encoding: 'utf8',
      env: environment,
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    output = run.stdout;
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('reads passed, failed and skipped tests from node --test', () => {
    const results = parseTap(output);
    expect(results.reporter).toBe('tap');
    expect(statusOf(results, 'adds numbers')).toBe('passed');
    expect(statusOf(results, 'compares strings')).toBe('failed');
    expect(statusOf(results, 'not yet written')).toBe('skipped');
    expect(statusOf(results, 'known gap')).toBe('skipped');
    expect(statusOf(results, 'reads C:\\temp # with a hash')).toBe('passed');
  });

  it('records nested subtests under their path and their own name', () => {
    const results = parseTap(output);
    expect(statusOf(results, 'parser > reads a header')).toBe('passed');
    expect(statusOf(results, 'parser > with nested suites > reads a row')).toBe('passed');
    expect(statusOf(results, 'parser > with nested suites > fails deep')).toBe('failed');
    expect(statusOf(results, 'fails deep')).toBe('failed');
    expect(statusOf(results, 'parser > with nested suites')).toBe('failed');
    expect(statusOf(results, 'parser')).toBe('failed');
    expect(statusOf(results, 'parent test')).toBe('passed');
    expect(statusOf(results, 'parent test > child passes')).toBe('passed');
    expect(statusOf(results, 'parent test > child skipped')).toBe('skipped');
    expect(statusOf(results, 'child skipped')).toBe('skipped');
  });

  it('keeps the worst status of a leaf name that two tests share', () => {
    const results = parseTap(output);
    expect(statusOf(results, 'parent test > reads a row')).toBe('passed');
    expect(statusOf(results, 'reads a row')).toBe('passed');
    const failing = parseTap(
      [
        'TAP version 14',
        '# Subtest: a',
        '    ok 1 - same',
        '    1..1',
        'ok 1 - a',
        '# Subtest: b',
        '    not ok 1 - same',
        '    1..1',
        'not ok 2 - b',
        '1..2',
      ].join('\n'),
    );
    expect(statusOf(failing, 'same')).toBe('failed');
    expect(statusOf(failing, 'a > same')).toBe('passed');
  });

  it('does not read lines of a YAML diagnostic block as tests', () => {
    const results = parseTap(output);
    expect(statusOf(results, 'a line of the error that looks like a test')).toBe('missing');
    expect(statusOf(results, 'no such test')).toBe('missing');
  });

  it('reads plain TAP without a version line or descriptions', () => {
    const results = parseTap('1..3\nok 1 first\nnot ok 2 - second # todo later\nok 3\n');
    expect(statusOf(results, 'first')).toBe('passed');
    expect(statusOf(results, 'second')).toBe('skipped');
    expect(results.tests.size).toBe(2);
  });

  it('refuses output without TAP', () => {
    expect(() => parseTap('all good\n')).toThrow(expect.objectContaining({ code: 'test-output-invalid' }));
  });
});
