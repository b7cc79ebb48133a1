import type { DetectedTestReporter, TestResults, TestStatus } from '../test-results.ts';

const SEVERITY: Record<TestStatus, number> = { passed: 0, skipped: 1, failed: 2 };

/** Collects statuses under every name of a test; a name recorded twice keeps the worse status. */
export class TestResultsBuilder {
  readonly #reporter: DetectedTestReporter;
  readonly #tests = new Map<string, TestStatus>();

  constructor(reporter: DetectedTestReporter) {
    this.#reporter = reporter;
  }

  /** Records one test under each of `names`; empty names are dropped. */
  record(names: Iterable<string>, status: TestStatus): void {
    for (const name of new Set(names)) {
      if (name === '') continue;
      const previous = this.#tests.get(name);
      if (previous === undefined || SEVERITY[status] > SEVERITY[previous]) this.#tests.set(name, status);
    }
  }

  build(): TestResults {
    return { reporter: this.#reporter, tests: this.#tests };
  }
}
