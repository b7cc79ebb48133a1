import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JUNIT_XML_LENGTH, parseJunit } from './parse-junit.ts';
import { statusOf } from './test-results.ts';

const NODE = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));
const VITEST = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url));

const SAMPLE_TESTS = `
import { describe, expect, it } from 'vitest';

describe('parser', () => {
  it('reads a header', () => {
    expect(1 + 1).toBe(2);
  });
  it('rejects <garbage> & "quotes"', () => {
    expect('a').toBe('b');
  });
  describe('nested', () => {
    it('reads a row', () => {});
    it.skip('handles unicode', () => {});
    it.todo('handles tabs');
  });
});

it('top level passes', () => {});
it('throws', () => {
  throw new TypeError('broken');
});
`;

const invalid = expect.objectContaining({ code: 'test-output-invalid' });

describe('parseJunit', () => {
  let directory: string;
  let output: string;

  beforeAll(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'warden-junit-'));
    mkdirSync(path.join(directory, 'src'));
    writeFileSync(path.join(directory, 'src', 'sample.test.ts'), SAMPLE_TESTS);
    writeFileSync(path.join(directory, 'vitest.config.mjs'), 'export default {};\n');
    const environment = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS'),
    );
    const run = spawnSync(NODE, [VITEST, 'run', '--root', directory, '--reporter=junit'], {
      cwd: directory,
      encoding: 'utf8',
      env: environment,
      timeout: 90_000,
    });
    expect(run.status, run.stderr).toBe(1);
    output = run.stdout;
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it("reads vitest's junit report from stdout", () => {
    const results = parseJunit(output);
    expect(results.reporter).toBe('junit');
    expect(statusOf(results, 'parser > reads a header')).toBe('passed');
    expect(statusOf(results, 'parser > rejects <garbage> & "quotes"')).toBe('failed');
    expect(statusOf(results, 'parser > nested > reads a row')).toBe('passed');
    expect(statusOf(results, 'parser > nested > handles unicode')).toBe('skipped');
    expect(statusOf(results, 'parser > nested > handles tabs')).toBe('skipped');
    expect(statusOf(results, 'top level passes')).toBe('passed');
    expect(statusOf(results, 'throws')).toBe('failed');
    expect(statusOf(results, 'reads a row')).toBe('missing');
  });

  it('records classname.name and classname::name', () => {
    const results = parseJunit(output);
    expect(statusOf(results, 'src/sample.test.ts::parser > reads a header')).toBe('passed');
    expect(statusOf(results, 'src/sample.test.ts.parser > reads a header')).toBe('passed');
    expect(statusOf(results, 'src/sample.test.ts::throws')).toBe('failed');
  });

  it('reads a report between other lines of stdout', () => {
    const results = parseJunit(`> warden@0.1.0 test\n> vitest run\n\n${output}\nnpm error code 1\n`);
    expect(statusOf(results, 'top level passes')).toBe('passed');
  });

  it("reads pytest's report: file::name, errors, and expected failures as passed", () => {
    const results = parseJunit(
      [
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="4">',
        '<testcase classname="tests.test_a" name="test_ok" file="tests/test_a.py" time="0.001" />',
        '<testcase classname="tests.test_a" name="test_err" file="tests/test_a.py"><error message="boom">x</error></testcase>',
        '<testcase classname="tests.test_a" name="test_xfail" file="tests/test_a.py"><skipped type="pytest.xfail" message="known" /></testcase>',
        '<testcase classname="tests.test_a" name="test_skip" file="tests/test_a.py"><skipped type="pytest.skip" message="later">s</skipped></testcase>',
        '</testsuite></testsuites>',
      ].join('\n'),
    );
    expect(statusOf(results, 'tests/test_a.py::test_ok')).toBe('passed');
    expect(statusOf(results, 'tests.test_a.test_ok')).toBe('passed');
    expect(statusOf(results, 'tests.test_a::test_err')).toBe('failed');
    expect(statusOf(results, 'test_xfail')).toBe('passed');
    expect(statusOf(results, 'test_skip')).toBe('skipped');
  });

  it('reads nested suites and several reports, keeping the worst status of a shared name', () => {
    const report = (status: string) =>
      `<testsuites><testsuite name="outer"><testsuite name="inner"><testcase classname="Calc" name="adds">${status}</testcase></testsuite></testsuite></testsuites>`;
    const results = parseJunit(`${report('')}\nrun 2\n${report('<failure/>')}`);
    expect(statusOf(results, 'Calc.adds')).toBe('failed');
    expect(parseJunit('<testsuite name="empty" tests="0"/>').tests.size).toBe(0);
  });

  it('does not expand entities declared in a DOCTYPE', () => {
    const entities = Array.from({ length: 10 }, (_, level) => {
      const previous = level === 0 ? 'lol' : `&lol${level - 1};`.repeat(10);
      return `<!ENTITY lol${level} "${previous}">`;
    }).join('');
    const results = parseJunit(
      `<?xml version="1.0"?><!DOCTYPE testsuites [${entities}]><testsuites><testcase name="a &lol9; &#x41;&#66;"/></testsuites>`,
    );
    expect([...results.tests.keys()]).toEqual(['a &lol9; AB']);
  });

  it('refuses XML nested too deep without overflowing the stack', () => {
    const deep = `<testsuites>${'<testsuite>'.repeat(100_000)}${'</testsuite>'.repeat(100_000)}</testsuites>`;
    expect(() => parseJunit(deep)).toThrow(invalid);
  });

  it(`refuses a report over ${MAX_JUNIT_XML_LENGTH / 1024 / 1024} MB`, () => {
    const testCase = '<testcase classname="c" name="n"/>\n';
    const huge = `<testsuites>${testCase.repeat(Math.ceil(MAX_JUNIT_XML_LENGTH / testCase.length) + 1)}</testsuites>`;
    expect(() => parseJunit(huge)).toThrow(invalid);
  });

  it('refuses output without a testsuite tag, and XML it cannot read', () => {
    expect(() => parseJunit('<html><body>no tests</body></html>')).toThrow(invalid);
    expect(() => parseJunit('<testsuites><__proto__ polluted="yes"/></testsuites>')).toThrow(invalid);
  });
});
