import { eachLine } from './internal/each-line.ts';
import type { DetectedTestReporter } from './test-results.ts';

const JUNIT_TAG = /<testsuites?[\s/>]/;
const TAP_TEST_LINE = /^ *(not )?ok \d+\b/;
const PYTEST_BANNER = /^=+ (test session starts|short test summary info) =+$/;
const PYTEST_SUMMARY_LINE = /^(PASSED|FAILED|ERROR|XFAIL|XPASS) [^\s[]+::/;

/**
 * Which format a test run printed, or undefined when it is none Warden reads. The clearest signs win,
 * in this order: a `go test -json` event at the start of a line (`{"Time":…,"Action":…}`), a
 * `<testsuites>` or `<testsuite>` tag anywhere (vitest prints its JUnit report after other text), a
 * `TAP version` line, a pytest banner (`=== test session starts ===`) or `-rA` summary line
 * (`PASSED path::name`), and last TAP test lines (`ok 1 - name`) without a version line.
 */
export function detectTestReporter(text: string): DetectedTestReporter | undefined {
  let tapVersion = false;
  let pytest = false;
  let tapTests = false;
  for (const line of eachLine(text)) {
    if (line.startsWith('{"') && line.includes('"Action":')) return 'go-test-json';
    if (line.startsWith('TAP version ')) tapVersion = true;
    else if (PYTEST_BANNER.test(line) || PYTEST_SUMMARY_LINE.test(line)) pytest = true;
    else if (TAP_TEST_LINE.test(line)) tapTests = true;
  }
  if (JUNIT_TAG.test(text)) return 'junit';
  if (tapVersion) return 'tap';
  if (pytest) return 'pytest';
  if (tapTests) return 'tap';
  return undefined;
}
