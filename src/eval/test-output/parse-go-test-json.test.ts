import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGoTestJson } from './parse-go-test-json.ts';
import { statusOf } from './test-results.ts';

// Two packages as `go test -json ./...` prints them: a failing subtest, a skip, a paused parallel test,
// and a `TestAdd` in each package (one passes, one fails).
const OUTPUT = readFileSync(new URL('./fixtures/go-test.jsonl', import.meta.url), 'utf8');

describe('parseGoTestJson', () => {
  it('reads passed, failed and skipped tests and subtests', () => {
    const results = parseGoTestJson(OUTPUT);
    expect(results.reporter).toBe('go-test-json');
    expect(statusOf(results, 'TestDivide')).toBe('failed');
    expect(statusOf(results, 'TestDivide/by_one')).toBe('passed');
    expect(statusOf(results, 'TestDivide/by_zero')).toBe('failed');
    expect(statusOf(results, 'TestRound')).toBe('skipped');
    expect(statusOf(results, 'TestParse_Spaces/leading_space')).toBe('passed');
  });

  it('records package/test, and keeps the worst status of a name two packages share', () => {
    const results = parseGoTestJson(OUTPUT);
    expect(statusOf(results, 'example.com/calc/TestAdd')).toBe('passed');
    expect(statusOf(results, 'example.com/calc/parse/TestAdd')).toBe('failed');
    expect(statusOf(results, 'TestAdd')).toBe('failed');
    expect(statusOf(results, 'example.com/calc/TestDivide/by_zero')).toBe('failed');
  });

  it('does not record packages or output as tests, and passes over lines that are not events', () => {
    const results = parseGoTestJson(
      `+ go test -json ./...\ngo: downloading example.com/dep v1.0.0\n${OUTPUT}{"Action":`,
    );
    expect(statusOf(results, 'example.com/calc')).toBe('missing');
    expect(statusOf(results, 'TestMissing')).toBe('missing');
    expect(results.tests.size).toBe(15);
  });

  it('refuses output without events', () => {
    expect(() => parseGoTestJson('ok  \texample.com/calc\t0.004s\n')).toThrow(
      expect.objectContaining({ code: 'test-output-invalid' }),
    );
  });
});
