/** The formats whose output Warden reads; `auto` tells them apart by the output itself. */
export type TestReporter = 'auto' | 'tap' | 'junit' | 'go-test-json' | 'pytest';

/** A format that was actually read: what `auto` resolved to, or the one named. */
export type DetectedTestReporter = Exclude<TestReporter, 'auto'>;

/**
 * How one test ended. Errors (pytest `ERROR`, JUnit `<error>`) count as `failed`; an expected failure
 * (pytest `XFAIL`) counts as `passed`, as SWE-bench's log parser has it.
 */
export type TestStatus = 'passed' | 'failed' | 'skipped';

/**
 * Which tests a runner reported and how each ended, keyed by every name the test can be looked up by
 * (its full name and its aliases, see `parseTestOutput`).
 *
 * A name shared by several tests (a leaf name used in two suites, a test run twice) holds the worst of
 * their statuses: `failed` over `skipped` over `passed`. A test listed in `FAIL_TO_PASS` therefore only
 * counts as passed when nothing it could mean failed or was skipped.
 */
export interface TestResults {
  reporter: DetectedTestReporter;
  tests: ReadonlyMap<string, TestStatus>;
}

/** A test's status, or `missing` when the output never named it (it did not run, or it is misspelled). */
export function statusOf(results: TestResults, name: string): TestStatus | 'missing' {
  return results.tests.get(name) ?? 'missing';
}
