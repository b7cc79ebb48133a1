import { UserError } from '../../../spec/errors.ts';

const HINT =
  'Warden reads TAP (`node --test --test-reporter=tap`), JUnit XML (`vitest run --reporter=junit`, ' +
  '`pytest --junitxml=/dev/stdout`), `go test -json` and `pytest -rA`: make the test command print one ' +
  'of them, and name it (`tap`, `junit`, `go-test-json`, `pytest`) instead of `auto` to skip detection';

/** The `test-output-invalid` error every parser throws, with the hint that lists the formats. */
export function testOutputError(message: string, cause?: unknown): UserError {
  return new UserError('test-output-invalid', message, { hint: HINT, cause });
}
