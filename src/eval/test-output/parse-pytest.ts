import { eachLine } from './internal/each-line.ts';
import { testOutputError } from './internal/test-output-error.ts';
import { TestResultsBuilder } from './internal/test-results-builder.ts';
import type { TestResults, TestStatus } from './test-results.ts';

/**
 * pytest's outcomes. `XFAIL` (failed as expected) is `passed`, as SWE-bench's log parser counts it.
 * SWE-bench does not read `XPASS` at all; here an unexpected pass is `passed`, since the test ran and
 * did not fail (a strict `xfail` that passes is printed as `FAILED`).
 */
const STATUS_OF_OUTCOME: Record<string, TestStatus> = {
  PASSED: 'passed',
  XFAIL: 'passed',
  XPASS: 'passed',
  FAILED: 'failed',
  ERROR: 'failed',
  SKIPPED: 'skipped',
};

/** `-rA` short summary: `FAILED tests/test_a.py::test_b - assert 1 == 2`. */
const SUMMARY_LINE = /^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S.*)$/;
/** `-v` progress: `tests/test_a.py::test_b PASSED  [ 50%]`. Only short lines are tried (backtracking). */
const VERBOSE_LINE = /^(\S.*) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)(?: \(.*\))? +\[ *\d+%\]$/;
const MAX_VERBOSE_LINE_LENGTH = 2000;
/** `=== test session starts ===`, `=== short test summary info ===`, `=== 2 failed, 5 passed in 1.30s ===`. */
const BANNER_LINE =
  /^=+ (test session starts|short test summary info|.*\b(passed|failed|errors?|skipped|no tests ran)\b.*) =+$/;

/**
 * Reads pytest's terminal output: the short summary that `-rA` prints (`PASSED path::name`,
 * `FAILED path::name - message`, `ERROR …`, `XFAIL …`), and the `-v` progress lines when present.
 * Names are node ids as printed, parametrised ones included (`tests/test_a.py::test_b[1-2]`, also when
 * the parameters hold spaces or ` - `). `ERROR` is `failed`; see `STATUS_OF_OUTCOME` for the rest.
 *
 * `-rA` prints skipped tests as `SKIPPED [1] path:line: reason`, without the test's id: they are only
 * recorded when `-v` named them, and are missing otherwise. A collection error is recorded under its
 * file (`ERROR tests/test_a.py`); a summary-like line that names no `path::test` or `.py` file (Django's
 * `FAILED (failures=1)`) is passed over.
 *
 * @throws UserError `test-output-invalid` when there is no pytest banner, summary line or progress line.
 */
export function parsePytest(text: string): TestResults {
  const builder = new TestResultsBuilder('pytest');
  let recognised = false;
  for (const line of eachLine(text)) {
    const summary = SUMMARY_LINE.exec(line);
    if (summary !== null) {
      const id = nodeIdAtStart(summary[2]!);
      if (id !== undefined && (id.includes('::') || id.endsWith('.py'))) {
        recognised = true;
        builder.record([id], STATUS_OF_OUTCOME[summary[1]!]!);
      }
      continue;
    }
    if (line.startsWith('=')) {
      if (BANNER_LINE.test(line)) recognised = true;
      continue;
    }
    if (line.length > MAX_VERBOSE_LINE_LENGTH || !line.endsWith('%]')) continue;
    const verbose = VERBOSE_LINE.exec(line);
    if (verbose !== null && verbose[1]!.includes('::')) {
      recognised = true;
      builder.record([verbose[1]!], STATUS_OF_OUTCOME[verbose[2]!]!);
    }
  }
  if (!recognised)
    throw testOutputError('the test output holds no pytest results: no banner, no `-rA` summary');
  return builder.build();
}

/**
 * The node id a summary line starts with, before its ` - message`. Parameters in brackets may hold
 * spaces; they end at the first `]` followed by the end of the line or a space. `SKIPPED [1] path:line`
 * names no test: undefined.
 */
function nodeIdAtStart(rest: string): string | undefined {
  const space = rest.search(/\s/);
  const bracket = rest.indexOf('[');
  let id: string;
  if (bracket > 0 && (space === -1 || bracket < space)) {
    let close = rest.indexOf(']', bracket);
    while (close !== -1 && close + 1 < rest.length && rest[close + 1] !== ' ')
      close = rest.indexOf(']', close + 1);
    id = close === -1 ? rest.slice(0, space === -1 ? undefined : space) : rest.slice(0, close + 1);
  } else {
    id = space === -1 ? rest : rest.slice(0, space);
  }
  return id.startsWith('[') || id === '' ? undefined : id;
}
