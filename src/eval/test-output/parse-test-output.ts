import { detectTestReporter } from './detect-test-reporter.ts';
import { testOutputError } from './internal/test-output-error.ts';
import { parseGoTestJson } from './parse-go-test-json.ts';
import { parseJunit } from './parse-junit.ts';
import { parsePytest } from './parse-pytest.ts';
import { parseTap } from './parse-tap.ts';
import type { DetectedTestReporter, TestReporter, TestResults } from './test-results.ts';

export {
  type DetectedTestReporter,
  statusOf,
  type TestReporter,
  type TestResults,
  type TestStatus,
} from './test-results.ts';

/**
 * The longest output read, in characters. Reading is linear in the output's length (JUnit XML is further
 * capped at 20 MB, lines over 64 KB are passed over); this bounds the memory a runaway log takes.
 */
export const MAX_TEST_OUTPUT_LENGTH = 64 * 1024 * 1024;

const PARSERS: Record<DetectedTestReporter, (text: string) => TestResults> = {
  tap: parseTap,
  junit: parseJunit,
  'go-test-json': parseGoTestJson,
  pytest: parsePytest,
};

/**
 * Which tests passed, failed or were skipped, read from what a test command printed (`reporter`, or
 * the format `detectTestReporter` finds for `auto`). Look a test up with `statusOf`, under any of the
 * names people write in `FAIL_TO_PASS`:
 *
 * - `tap` (`node --test --test-reporter=tap`): `suite > test` paths and the test's own name;
 * - `junit` (vitest, pytest, Surefire): `classname.name`, `classname::name`, `file::name` and `name`;
 * - `go-test-json`: `TestX`, `TestX/subtest`, and each prefixed with `package/`;
 * - `pytest` (`-rA`, `-v`): node ids as printed, `tests/test_a.py::test_b[1-2]`.
 *
 * A name that several tests share holds the worst of their statuses (`failed` over `skipped` over
 * `passed`). pytest's `XFAIL` counts as passed, as in SWE-bench.
 *
 * @throws UserError `test-output-invalid` when the output holds none of the formats (for `auto`) or not
 * the one named, when it is longer than `MAX_TEST_OUTPUT_LENGTH`, or when its JUnit XML is over 20 MB,
 * nested over 100 levels, or unreadable. Its hint lists the formats and how to pick one.
 */
export function parseTestOutput(text: string, reporter: TestReporter = 'auto'): TestResults {
  if (text.length > MAX_TEST_OUTPUT_LENGTH) {
    throw testOutputError(
      `the test output is ${Math.round(text.length / 1024 / 1024)} MB; Warden reads at most ${MAX_TEST_OUTPUT_LENGTH / 1024 / 1024} MB`,
    );
  }
  const detected = reporter === 'auto' ? detectTestReporter(text) : reporter;
  if (detected === undefined) {
    throw testOutputError(
      'the test output is in none of the formats Warden reads (TAP, JUnit XML, go test -json, pytest)',
    );
  }
  return PARSERS[detected](text);
}
