import { z } from 'zod';
import { eachLine } from './internal/each-line.ts';
import { testOutputError } from './internal/test-output-error.ts';
import { TestResultsBuilder } from './internal/test-results-builder.ts';
import type { TestResults, TestStatus } from './test-results.ts';

/** The fields of a `go test -json` event (test2json) that say how a test ended. */
const TestEvent = z.object({
  Action: z.string(),
  Package: z.string().optional(),
  Test: z.string().optional(),
});

const STATUS_OF_ACTION: Record<string, TestStatus> = { pass: 'passed', fail: 'failed', skip: 'skipped' };

/**
 * Reads `go test -json` output: one JSON event per line. A test ends with a `pass`, `fail` or `skip`
 * event and is recorded as `TestX` (subtests as `TestX/case`, with Go's spaces-to-underscores as
 * printed) and as `package/TestX`. Package events (no `Test`), output and build events are not tests;
 * lines that are not JSON (a shell's trace, `go: downloading …`) are passed over. A test whose package
 * crashed or timed out before it ended has no end event and stays missing.
 *
 * @throws UserError `test-output-invalid` when no line is a test2json event.
 */
export function parseGoTestJson(text: string): TestResults {
  const builder = new TestResultsBuilder('go-test-json');
  let recognised = false;
  for (const line of eachLine(text)) {
    const event = readEvent(line);
    if (event === undefined) continue;
    recognised = true;
    const status = STATUS_OF_ACTION[event.Action];
    if (status === undefined || event.Test === undefined || event.Test === '') continue;
    const names = [event.Test];
    if (event.Package !== undefined && event.Package !== '') names.push(`${event.Package}/${event.Test}`);
    builder.record(names, status);
  }
  if (!recognised) throw testOutputError('the test output holds no `go test -json` events');
  return builder.build();
}

function readEvent(line: string): z.infer<typeof TestEvent> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.includes('"Action"')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  const parsed = TestEvent.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
