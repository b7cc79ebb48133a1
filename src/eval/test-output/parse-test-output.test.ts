import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectTestReporter } from './detect-test-reporter.ts';
import { MAX_TEST_OUTPUT_LENGTH, parseTestOutput, statusOf } from './parse-test-output.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const TAP = `TAP version 13
# Subtest: suite
    # Subtest: adds
    ok 1 - adds
      ---
      duration_ms: 0.3
      ...
    1..1
ok 1 - suite
1..1
`;
const JUNIT = `
 RUN  v4.1.12 /home/dev/project

<?xml version="1.0" encoding="UTF-8" ?>
<testsuites name="vitest tests" tests="1" failures="0" errors="0" time="0.01">
    <testsuite name="src/a.test.ts" tests="1" failures="0" errors="0" skipped="0" time="0.01">
        <testcase classname="src/a.test.ts" name="suite &gt; adds" time="0.001">
        </testcase>
    </testsuite>
</testsuites>
`;
const GO = fixture('go-test.jsonl');
const PYTEST = `+ pytest -rA tests/test_sample.py\n${fixture('pytest-ra.txt')}`;

const invalid = expect.objectContaining({ code: 'test-output-invalid' });

describe('parseTestOutput', () => {
  it('detects each format', () => {
    expect(detectTestReporter(TAP)).toBe('tap');
    expect(detectTestReporter(JUNIT)).toBe('junit');
    expect(detectTestReporter(GO)).toBe('go-test-json');
    expect(detectTestReporter(PYTEST)).toBe('pytest');
    expect(detectTestReporter(fixture('pytest-ra-verbose.txt'))).toBe('pytest');
    expect(detectTestReporter('ok 1 - adds\nnot ok 2 - subtracts\n')).toBe('tap');
    expect(detectTestReporter('hello\nworld\n')).toBeUndefined();
  });

  it('reads each format with auto, and with the reporter named', () => {
    const cases = [
      ['tap', TAP, 'suite > adds'],
      ['junit', JUNIT, 'src/a.test.ts::suite > adds'],
      ['go-test-json', GO, 'TestDivide/by_one'],
      ['pytest', PYTEST, 'tests/test_sample.py::test_param[1-2]'],
    ] as const;
    for (const [reporter, text, name] of cases) {
      const detected = parseTestOutput(text);
      expect(detected.reporter).toBe(reporter);
      expect(statusOf(detected, name)).toBe('passed');
      expect(statusOf(parseTestOutput(text, reporter), name)).toBe('passed');
    }
  });

  it('says missing for a name the output never printed', () => {
    expect(statusOf(parseTestOutput(TAP), 'suite > subtracts')).toBe('missing');
  });

  it('refuses output in no format, or not in the one named, with a hint naming the reporters', () => {
    expect(() => parseTestOutput('Segmentation fault (core dumped)\n')).toThrow(invalid);
    expect(() => parseTestOutput('')).toThrow(invalid);
    expect(() => parseTestOutput(TAP, 'pytest')).toThrow(invalid);
    try {
      parseTestOutput('garbage');
      expect.unreachable();
    } catch (error) {
      expect((error as { hint: string }).hint).toMatch(/tap.*junit.*go-test-json.*pytest/);
    }
  });

  it('reads a 50 MB log in linear time, and refuses one over the limit', () => {
    const noise = `${'x'.repeat(99)}\n`.repeat(500_000);
    const huge = `${noise}${fixture('pytest-ra.txt')}`;
    expect(huge.length).toBeGreaterThan(50_000_000);
    const started = performance.now();
    expect(statusOf(parseTestOutput(huge), 'tests/test_sample.py::test_adds')).toBe('passed');
    expect(performance.now() - started).toBeLessThan(20_000);
    const longLine = `${'PASSED '.repeat(4_000_000)}\n${fixture('pytest-ra.txt')}`;
    expect(statusOf(parseTestOutput(longLine), 'tests/test_sample.py::test_compares')).toBe('failed');
    expect(() => parseTestOutput('x'.repeat(MAX_TEST_OUTPUT_LENGTH + 1))).toThrow(invalid);
  });
});
