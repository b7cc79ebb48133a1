import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePytest } from './parse-pytest.ts';
import { statusOf } from './test-results.ts';

// Printed by pytest 9.0.3 (`python3 -m pytest -rA tests`, then with `-v`) on a file with passing,
// failing, parametrised, skipped, xfail, xpass and erroring tests.
const SUMMARY = readFileSync(new URL('./fixtures/pytest-ra.txt', import.meta.url), 'utf8');
const VERBOSE = readFileSync(new URL('./fixtures/pytest-ra-verbose.txt', import.meta.url), 'utf8');

describe('parsePytest', () => {
  it('reads the -rA short summary', () => {
    const results = parsePytest(SUMMARY);
    expect(results.reporter).toBe('pytest');
    expect(statusOf(results, 'tests/test_sample.py::test_adds')).toBe('passed');
    expect(statusOf(results, 'tests/test_sample.py::test_compares')).toBe('failed');
    expect(statusOf(results, 'tests/test_sample.py::test_param[1-2]')).toBe('passed');
    expect(statusOf(results, 'tests/test_sample.py::test_param[3-3]')).toBe('failed');
    expect(statusOf(results, 'tests/test_sample.py::test_uses_broken')).toBe('failed');
    expect(statusOf(results, 'tests/test_sample.py::TestGroup::test_method')).toBe('passed');
  });

  it('counts XFAIL as passed, as SWE-bench does, and XPASS as passed', () => {
    const results = parsePytest(SUMMARY);
    expect(statusOf(results, 'tests/test_sample.py::test_expected_failure')).toBe('passed');
    expect(statusOf(results, 'tests/test_sample.py::test_unexpected_pass')).toBe('passed');
  });

  it('keeps parametrised ids whole when they hold spaces or " - "', () => {
    const results = parsePytest(SUMMARY);
    expect(statusOf(results, 'tests/test_sample.py::test_spaced_ids[a b]')).toBe('passed');
    expect(statusOf(results, 'tests/test_sample.py::test_spaced_ids[x - y]')).toBe('passed');
    expect(statusOf(results, 'tests/test_sample.py::test_spaced_ids[a')).toBe('missing');
  });

  it('names skipped tests only when -v printed them', () => {
    expect(statusOf(parsePytest(SUMMARY), 'tests/test_sample.py::test_skipped')).toBe('missing');
    const verbose = parsePytest(VERBOSE);
    expect(statusOf(verbose, 'tests/test_sample.py::test_skipped')).toBe('skipped');
    expect(statusOf(verbose, 'tests/test_sample.py::test_param[3-3]')).toBe('failed');
    expect(statusOf(verbose, 'tests/test_sample.py::test_spaced_ids[x - y]')).toBe('passed');
  });

  it('records a collection error under its file and passes over lines that name no test', () => {
    const results = parsePytest(
      [
        '============================= test session starts ==============================',
        'FAILED (failures=1)',
        '=========================== short test summary info ============================',
        "ERROR tests/test_broken.py - ModuleNotFoundError: No module named 'missing'",
        '!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!',
        '=============================== 1 error in 0.05s ===============================',
      ].join('\n'),
    );
    expect([...results.tests]).toEqual([['tests/test_broken.py', 'failed']]);
  });

  it('keeps the worst status of a test printed twice (a teardown error after a pass)', () => {
    const results = parsePytest(
      'PASSED tests/a.py::test_x\nERROR tests/a.py::test_x - RuntimeError: teardown\n',
    );
    expect(statusOf(results, 'tests/a.py::test_x')).toBe('failed');
  });

  it('refuses output without pytest results', () => {
    expect(() => parsePytest('Ran 3 tests in 0.01s\n\nOK\n')).toThrow(
      expect.objectContaining({ code: 'test-output-invalid' }),
    );
  });
});
