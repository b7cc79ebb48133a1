import { eachLine } from './internal/each-line.ts';
import { testOutputError } from './internal/test-output-error.ts';
import { TestResultsBuilder } from './internal/test-results-builder.ts';
import type { TestResults, TestStatus } from './test-results.ts';

/** `ok 3 - name # SKIP why`: indentation, `not `, and what follows the number. */
const TEST_LINE = /^( *)(not )?ok\b(?: +\d+)?(?: +-)?(?: (.*))?$/;
const SUBTEST_LINE = /^( *)# Subtest: (.*)$/;
const YAML_START = /^( *)---\s*$/;
const YAML_END = /^( *)\.\.\.\s*$/;
/** TAP 14 and `node --test` indent a subtest by four spaces per level. */
const INDENT_PER_LEVEL = 4;

/**
 * Reads TAP (versions 12 to 14, and `node --test --test-reporter=tap`). `not ok` is `failed`, a `# SKIP`
 * or `# TODO` directive is `skipped` (whatever the test did), anything else `passed`.
 *
 * A nested subtest is recorded under its path from the top, joined with ` > ` (`suite > group > test`,
 * from the `# Subtest:` lines `node --test` prints before each test), and under its own name. A parent
 * is also a test of its own. A test line without a description cannot be named and is not recorded;
 * YAML diagnostic blocks are skipped, so an error message that looks like a test line is not read as one.
 *
 * @throws UserError `test-output-invalid` when there is no `TAP version` line and no test line.
 */
export function parseTap(text: string): TestResults {
  const builder = new TestResultsBuilder('tap');
  let recognised = false;
  /** The names announced by `# Subtest:` lines, by nesting level. */
  const path: string[] = [];
  /** Inside a YAML block: the indentation of its `---`. */
  let yamlIndent: number | undefined;
  /** The indentation of the test line just read, where a YAML block may follow. */
  let testIndent: number | undefined;

  for (const line of eachLine(text)) {
    if (yamlIndent !== undefined) {
      const end = YAML_END.exec(line);
      if (end !== null && end[1]!.length === yamlIndent) yamlIndent = undefined;
      continue;
    }
    const previousTestIndent = testIndent;
    testIndent = undefined;
    const yaml = YAML_START.exec(line);
    if (yaml !== null && previousTestIndent !== undefined && yaml[1]!.length === previousTestIndent + 2) {
      yamlIndent = yaml[1]!.length;
      continue;
    }
    if (line.startsWith('TAP version ')) {
      recognised = true;
      continue;
    }
    const subtest = SUBTEST_LINE.exec(line);
    if (subtest !== null) {
      const level = Math.floor(subtest[1]!.length / INDENT_PER_LEVEL);
      path.length = level;
      path[level] = unescapeTap(subtest[2]!.trim());
      continue;
    }
    const test = TEST_LINE.exec(line);
    if (test === null) continue;
    recognised = true;
    testIndent = test[1]!.length;
    const level = Math.floor(testIndent / INDENT_PER_LEVEL);
    const { name, directive } = splitDirective(test[3] ?? '');
    const parents = path.slice(0, level).filter((parent) => parent !== undefined);
    path.length = level;
    if (name === '') continue;
    let status: TestStatus = test[2] === undefined ? 'passed' : 'failed';
    if (directive !== undefined && /^(skip|todo)/i.test(directive)) status = 'skipped';
    builder.record([[...parents, name].join(' > '), name], status);
  }
  if (!recognised) throw testOutputError('the test output holds no TAP: no `TAP version` line, no `ok` line');
  return builder.build();
}

/** Splits `name # DIRECTIVE reason` at the first `#` that is not escaped (`\#` is part of the name). */
function splitDirective(description: string): { name: string; directive: string | undefined } {
  for (let index = 0; index < description.length; index++) {
    const character = description[index];
    if (character === '\\') {
      index++;
    } else if (character === '#') {
      return {
        name: unescapeTap(description.slice(0, index).trim()),
        directive: description.slice(index + 1).trim(),
      };
    }
  }
  return { name: unescapeTap(description.trim()), directive: undefined };
}

const TAP_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v' };

/** Undoes the escaping `node --test` applies to names (`\#`, `\\`, `\n`, …). */
function unescapeTap(text: string): string {
  return text.replace(/\\(.)/g, (_match, character: string) => TAP_ESCAPES[character] ?? character);
}
