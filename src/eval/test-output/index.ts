export { detectTestReporter } from './detect-test-reporter.ts';
export { parseGoTestJson } from './parse-go-test-json.ts';
export { MAX_JUNIT_XML_LENGTH, parseJunit } from './parse-junit.ts';
export { parsePytest } from './parse-pytest.ts';
export { parseTap } from './parse-tap.ts';
export { MAX_TEST_OUTPUT_LENGTH, parseTestOutput } from './parse-test-output.ts';
export {
  type DetectedTestReporter,
  statusOf,
  type TestReporter,
  type TestResults,
  type TestStatus,
} from './test-results.ts';
