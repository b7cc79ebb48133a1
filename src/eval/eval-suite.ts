import path from 'node:path';
import { z } from 'zod';
import { EGRESS_GROUPS, type EgressGroupName } from '../sandbox/index.ts';
import { UserError } from '../spec/errors.ts';
import { parseJsonLines } from './internal/json-lines.ts';

/** The test reporters whose output Warden reads (`auto`: told apart by the output itself). */
export const TEST_REPORTERS = ['auto', 'tap', 'junit', 'go-test-json', 'pytest'] as const;

/**
 * A list of test names as SWE-bench ships them: a JSON array, or a string holding one (its own datasets
 * encode `FAIL_TO_PASS` that way).
 */
const TestNames = z.union([
  z.array(z.string()),
  z.string().transform((text, context) => {
    try {
      const value: unknown = JSON.parse(text);
      if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
    } catch {}
    context.addIssue({ code: 'custom', message: 'a JSON-encoded list of test names was expected' });
    return z.NEVER;
  }),
]);

const commands = z.union([z.string().transform((command) => [command]), z.array(z.string())]);

/** One line of a suite, in SWE-bench's instance format plus Warden's optional fields. */
const InstanceSchema = z.looseObject({
  instance_id: z.string().regex(/^[\w.@+-]+$/, 'letters, digits and . _ - @ + only (it names files)'),
  repo: z.string().min(1),
  base_commit: z.string().regex(/^[0-9a-f]{7,64}$/, 'a commit id'),
  problem_statement: z.string(),
  patch: z.string().default(''),
  test_patch: z.string().default(''),
  FAIL_TO_PASS: TestNames,
  PASS_TO_PASS: TestNames.default([]),
  repo_path: z.string().min(1).optional(),
  repo_url: z.string().min(1).optional(),
  test_cmd: z.string().min(1).optional(),
  test_reporter: z.enum(TEST_REPORTERS).default('auto'),
  test_timeout_seconds: z.number().positive().max(7_200).default(900),
  setup: commands.default([]),
  egress: z.array(z.enum(Object.keys(EGRESS_GROUPS) as [EgressGroupName, ...EgressGroupName[]])).default([]),
  agent: z.string().min(1).optional(),
  budget: z.number().positive().optional(),
});

/** An instance of a suite, its paths made absolute. */
export interface EvalInstance {
  instanceId: string;
  /** `owner/name`. */
  repo: string;
  baseCommit: string;
  problemStatement: string;
  /** The reference fix (`--predictions gold` applies it). */
  patch: string;
  /** The tests added or changed with the fix, applied after the patch under evaluation. */
  testPatch: string;
  failToPass: string[];
  passToPass: string[];
  /** Where the repository is: a local git repository (absolute), or a URL to clone. */
  source: { path: string } | { url: string };
  testCommand: string;
  testReporter: (typeof TEST_REPORTERS)[number];
  testTimeoutMs: number;
  /** Commands run in the sandbox before the patch is evaluated. */
  setup: string[];
  /** Egress groups `setup` may reach (`npm`, `pypi`, …); none: no network. */
  egress: EgressGroupName[];
  /** The agent to run it with, over `--agent`'s; absent: the command's. */
  agent?: string | undefined;
  /** The task's budget in USD; absent: the config's. */
  budgetUsd?: number | undefined;
}

/**
 * Parses a suite (JSON Lines, one instance a line; blank lines skipped). `repo_path` is taken relative
 * to the suite's directory. Instances without `test_cmd` get `defaultTestCommand`, or are refused.
 *
 * @throws UserError `eval-suite-invalid` naming the line and field of the first problem, or a repeated id.
 */
export function parseSuite(text: string, file: string, defaultTestCommand?: string): EvalInstance[] {
  const instances: EvalInstance[] = [];
  const seen = new Map<string, number>();
  for (const { line, value } of parseJsonLines(text, file, 'eval-suite-invalid')) {
    const parsed = InstanceSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UserError(
        'eval-suite-invalid',
        `${file}:${line}: ${issue.path.join('.') || 'the line'}: ${issue.message}`,
        { hint: 'each line is one SWE-bench instance; see docs/architecture/eval.md for the fields' },
      );
    }
    const raw = parsed.data;
    const earlier = seen.get(raw.instance_id);
    if (earlier !== undefined) {
      throw new UserError(
        'eval-suite-invalid',
        `${file}:${line}: instance_id ${raw.instance_id} is already on line ${earlier}`,
      );
    }
    seen.set(raw.instance_id, line);
    const testCommand = raw.test_cmd ?? defaultTestCommand;
    if (testCommand === undefined) {
      throw new UserError('eval-suite-invalid', `${file}:${line}: test_cmd: missing`, {
        hint: 'give each instance the command that runs its tests (`node --test --test-reporter=tap`, `pytest -rA`, …)',
      });
    }
    const source = sourceOf(raw, file, line);
    instances.push({
      instanceId: raw.instance_id,
      repo: raw.repo,
      baseCommit: raw.base_commit,
      problemStatement: raw.problem_statement,
      patch: raw.patch,
      testPatch: raw.test_patch,
      failToPass: raw.FAIL_TO_PASS,
      passToPass: raw.PASS_TO_PASS,
      source,
      testCommand,
      testReporter: raw.test_reporter,
      testTimeoutMs: raw.test_timeout_seconds * 1000,
      setup: raw.setup,
      egress: raw.egress,
      agent: raw.agent,
      budgetUsd: raw.budget,
    });
  }
  if (instances.length === 0) {
    throw new UserError('eval-suite-invalid', `${file}: the suite has no instance`);
  }
  return instances;
}

function sourceOf(raw: z.infer<typeof InstanceSchema>, file: string, line: number): EvalInstance['source'] {
  if (raw.repo_path !== undefined) return { path: path.resolve(path.dirname(file), raw.repo_path) };
  if (raw.repo_url !== undefined) return { url: raw.repo_url };
  throw new UserError('eval-suite-invalid', `${file}:${line}: neither repo_path nor repo_url is given`, {
    hint: 'name a local git repository (repo_path, relative to the suite) or one to clone (repo_url)',
  });
}
