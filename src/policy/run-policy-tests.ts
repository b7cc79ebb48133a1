import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserError } from '../spec/errors.ts';
import { UNTAINTED } from '../spec/provenance.ts';
import type { DecisionKind } from '../spec/types.ts';
import { createCedarPolicyEngine, type PolicyPrincipal } from './cedar-policy-engine.ts';
import { loadPolicyBundle } from './load-policy-bundle.ts';
import { createShellParser } from './shell-parser.ts';

const Expect = z.enum(['allow', 'deny', 'ask']).describe('the decision the case expects');
const Principal = z.object({
  agent: z.string().default('test-agent'),
  team: z.string().default('test-team'),
  trustTier: z.number().int().default(1),
});
const Taint = z
  .array(z.string())
  .min(1)
  .optional()
  .describe('the kinds of untrusted source that tainted the task (issue, network...); default: untainted');
const Case = z.union([
  z.strictObject({
    name: z.string().optional().describe('what the case shows; defaults to the call'),
    tool: z
      .string()
      .describe(
        'a tool name: shell, read_file, write_file, edit_file, list_files, search, find_symbol, first_look, recall_output',
      ),
    input: z.unknown().describe("the tool's input, as the model would send it"),
    principal: Principal.partial().optional(),
    taint: Taint,
    expect: Expect,
  }),
  z.strictObject({
    name: z.string().optional(),
    action: z.string().describe('an action of the schema: forge.push, deploy...'),
    resource: z.object({ type: z.enum(['Repository', 'Path', 'Host', 'Branch', 'Command']), id: z.string() }),
    context: z.record(z.string(), z.unknown()).default({}),
    principal: Principal.partial().optional(),
    taint: Taint,
    expect: Expect,
  }),
]);
const CaseFile = z.strictObject({
  workspace: z
    .strictObject({
      files: z
        .record(z.string(), z.string())
        .default({})
        .describe('files to create, relative path to content'),
      symlinks: z
        .record(z.string(), z.string())
        .default({})
        .describe('symlinks to create, relative path to target'),
    })
    .optional()
    .describe('the workspace the cases run against (an empty directory by default)'),
  unparsable: z.enum(['ask', 'deny']).default('ask'),
  cases: z.array(Case).min(1),
});

export interface PolicyTestFailure {
  /** `tests/shell.yaml#3 git push origin main` */
  name: string;
  expected: DecisionKind;
  actual: DecisionKind;
  policyIds: string[];
  reasons: string[];
}

export interface PolicyTestReport {
  bundleHash: string;
  passed: number;
  failures: PolicyTestFailure[];
}

/**
 * Runs a bundle's test cases (`tests/*.yaml` in the bundle directory): each case is a tool call or an
 * action request and the decision it must get. Each file's cases run against a scratch workspace built
 * from its `workspace` section.
 *
 * @throws UserError `policy-bundle-invalid` when the bundle or a test file is invalid or there are no tests.
 */
export async function runPolicyTests(dir: string): Promise<PolicyTestReport> {
  const bundle = loadPolicyBundle(dir);
  const testsDir = path.join(path.resolve(dir), 'tests');
  let names: string[] = [];
  try {
    names = readdirSync(testsDir)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort();
  } catch {
    names = [];
  }
  if (names.length === 0)
    throw new UserError('policy-bundle-invalid', `${testsDir}: no test files (tests/*.yaml)`);
  const shellParser = createShellParser();
  const report: PolicyTestReport = { bundleHash: bundle.hash, passed: 0, failures: [] };
  for (const name of names) {
    const file = path.join('tests', name);
    const parsed = CaseFile.safeParse(parseYaml(readFileSync(path.join(testsDir, name), 'utf8')));
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (issue) => `${file}: ${issue.path.join('.')}: ${issue.message}`,
      );
      throw new UserError('policy-bundle-invalid', problems.join('\n'));
    }
    const workspace = mkdtempSync(path.join(tmpdir(), 'warden-policy-test-'));
    try {
      for (const [relative, content] of Object.entries(parsed.data.workspace?.files ?? {})) {
        mkdirSync(path.dirname(path.join(workspace, relative)), { recursive: true });
        writeFileSync(path.join(workspace, relative), content);
      }
      for (const [relative, target] of Object.entries(parsed.data.workspace?.symlinks ?? {})) {
        mkdirSync(path.dirname(path.join(workspace, relative)), { recursive: true });
        symlinkSync(target, path.join(workspace, relative));
      }
      for (const [index, testCase] of parsed.data.cases.entries()) {
        const principal: PolicyPrincipal = Principal.parse(testCase.principal ?? {});
        const engine = createCedarPolicyEngine({
          bundle,
          principal,
          workspace: { hostDir: workspace },
          unparsable: parsed.data.unparsable,
          shellParser,
          taint: () =>
            testCase.taint === undefined
              ? UNTAINTED
              : { tainted: true, sources: testCase.taint, since: '2026-01-01T00:00:00.000Z' },
        });
        const decision =
          'tool' in testCase
            ? await engine.decide({ id: `case-${index}`, name: testCase.tool, input: testCase.input })
            : await engine.decideAction({
                action: testCase.action,
                resource: testCase.resource,
                context: testCase.context,
              });
        const label =
          testCase.name ??
          ('tool' in testCase
            ? `${testCase.tool} ${JSON.stringify(testCase.input)}`
            : `${testCase.action} ${testCase.resource.type} ${testCase.resource.id}`);
        if (decision.decision === testCase.expect) report.passed += 1;
        else {
          report.failures.push({
            name: `${file}#${index + 1} ${label}`,
            expected: testCase.expect,
            actual: decision.decision,
            policyIds: decision.policyIds,
            reasons: decision.reasons,
          });
        }
      }
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  }
  return report;
}
