import { XMLParser } from 'fast-xml-parser';
import { testOutputError } from './internal/test-output-error.ts';
import { TestResultsBuilder } from './internal/test-results-builder.ts';
import type { TestResults, TestStatus } from './test-results.ts';

/** The most XML read from one output; a larger report is refused rather than parsed. */
export const MAX_JUNIT_XML_LENGTH = 20 * 1024 * 1024;
/** Deeper nesting is refused: real reports nest suites a few levels, never a hundred. */
const MAX_NESTED_TAGS = 100;
const ATTRIBUTE_PREFIX = '@_';
const REPEATED_TAGS = new Set(['testsuites', 'testsuite', 'testcase', 'failure', 'error', 'skipped']);

/**
 * Reads a JUnit XML report (vitest's, pytest's, Maven Surefire's, …), also when other text surrounds it
 * on stdout: everything from the first `<testsuites` or `<testsuite` tag to the last closing one is read.
 *
 * A `<testcase>` with a `<failure>` or `<error>` is `failed`; with a `<skipped>`, `skipped`, except
 * pytest's expected failures (`<skipped type="pytest.xfail">`), which are `passed` as in `parsePytest`;
 * otherwise `passed`. A test is recorded as `classname.name`, `classname::name`, `file::name` (when the
 * report names the file) and `name`; vitest puts the file in `classname` and `describe > it` in `name`.
 *
 * Entities declared in a DOCTYPE are not expanded (no entity bombs); the five XML entities and character
 * references in names are decoded. At most `MAX_JUNIT_XML_LENGTH` characters and 100 nested tags are read.
 *
 * @throws UserError `test-output-invalid` when there is no `<testsuite(s)>` tag, or the XML is too large,
 * too deep or not XML.
 */
export function parseJunit(text: string): TestResults {
  const start = text.search(/<testsuites?[\s/>]/);
  if (start === -1) {
    throw testOutputError('the test output holds no JUnit XML: no `<testsuites>` or `<testsuite>`');
  }
  const xml = text.slice(start, endOfReport(text, start));
  if (xml.length > MAX_JUNIT_XML_LENGTH) {
    throw testOutputError(
      `the JUnit XML is ${Math.round(xml.length / 1024 / 1024)} MB; Warden reads at most ${MAX_JUNIT_XML_LENGTH / 1024 / 1024} MB`,
    );
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: ATTRIBUTE_PREFIX,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    htmlEntities: false,
    maxNestedTags: MAX_NESTED_TAGS,
    isArray: (tagName, _path, _isLeaf, isAttribute) => !isAttribute && REPEATED_TAGS.has(tagName),
  });
  let document: unknown;
  try {
    // Several reports one after another (or text between them) become children of one root.
    document = parser.parse(`<warden-output>${xml}</warden-output>`);
  } catch (error) {
    throw testOutputError(`the JUnit XML could not be read: ${(error as Error).message}`, error);
  }
  const builder = new TestResultsBuilder('junit');
  collectTestCases(document, builder);
  return builder.build();
}

/** Where the last closing `</testsuites>` or `</testsuite>` ends; the end of the text when there is none. */
function endOfReport(text: string, start: number): number {
  const ends = ['</testsuites>', '</testsuite>'].map((closing) => {
    const index = text.lastIndexOf(closing);
    return index >= start ? index + closing.length : -1;
  });
  const end = Math.max(...ends);
  return end === -1 ? text.length : end;
}

/** Walks the parsed document (at most `MAX_NESTED_TAGS` deep) and records every `testcase` element. */
function collectTestCases(node: unknown, builder: TestResultsBuilder): void {
  if (Array.isArray(node)) {
    for (const item of node) collectTestCases(item, builder);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith(ATTRIBUTE_PREFIX)) continue;
    if (key === 'testcase') {
      for (const testCase of Array.isArray(value) ? value : [value]) recordTestCase(testCase, builder);
    } else {
      collectTestCases(value, builder);
    }
  }
}

function recordTestCase(testCase: unknown, builder: TestResultsBuilder): void {
  if (typeof testCase !== 'object' || testCase === null) return;
  const element = testCase as Record<string, unknown>;
  const name = attribute(element, 'name');
  if (name === '') return;
  const className = attribute(element, 'classname');
  const file = attribute(element, 'file');
  const names = [name];
  if (className !== '') names.push(`${className}.${name}`, `${className}::${name}`);
  if (file !== '') names.push(`${file}::${name}`);
  builder.record(names, statusOfTestCase(element));
}

function statusOfTestCase(element: Record<string, unknown>): TestStatus {
  if (element.failure !== undefined || element.error !== undefined) return 'failed';
  if (element.skipped === undefined) return 'passed';
  const skipped = Array.isArray(element.skipped) ? element.skipped : [element.skipped];
  const expectedFailure = skipped.every(
    (item) =>
      typeof item === 'object' &&
      item !== null &&
      attribute(item as Record<string, unknown>, 'type') === 'pytest.xfail',
  );
  return expectedFailure ? 'passed' : 'skipped';
}

function attribute(element: Record<string, unknown>, name: string): string {
  const value = element[`${ATTRIBUTE_PREFIX}${name}`];
  return typeof value === 'string' ? decodeXmlEntities(value).trim() : '';
}

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five predefined entities and character references, in one pass (no expansion of expansions). */
function decodeXmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (match, entity: string) => {
    if (!entity.startsWith('#')) return XML_ENTITIES[entity] ?? match;
    const code =
      entity[1] === 'x' ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : match;
  });
}
