import path from 'node:path';
import { describeError, UserError } from '../../spec/errors.ts';
import { CONTEXT_SOURCE_KINDS } from '../../spec/provenance.ts';
import {
  backtestBundle,
  checkPolicyBundle,
  defaultBundleDir,
  explainToolCall,
  type PolicyStats,
  type PolicyTestReport,
  resolveConfigPath,
  resolveHome,
  runPolicyTests,
} from '../../warden/index.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { openWarden } from './run.ts';

export const POLICY_HELP = `warden policy <subcommand> [options]

  test [DIR]        run the bundle's test cases (DIR/tests/*.yaml); exit 0 when all hold, 1 otherwise
  check [DIR]       parse the bundle and validate every policy against its schema; exit 1 when invalid
  explain COMMAND [--bundle DIR] [--workspace DIR] [--tainted-by KIND,…]
  explain --tool NAME --input JSON [--bundle DIR] [--workspace DIR] [--config FILE] [--tainted-by KIND,…]
                    the decision for one tool call, the policies that made it and the facts they saw,
                    and the package guard's verdict on each install (with the config's \`packages\`);
                    COMMAND alone is a shell call: \`warden policy explain 'rm -rf /'\`;
                    --tainted-by issue,network: as a task that read untrusted content of those kinds
  stats [--since DURATION]
                    rejection and ask rates per agent, tool and policy, from the journals
  backtest --bundle DIR [--since DURATION] [--examples N]
                    replay recorded tool calls against a candidate bundle: newly denied, asked, allowed

DIR and --bundle default to the bundle that ships with Warden (policies/default).
DURATION: a number and a unit, e.g. 30m, 12h, 7d.
Options: --json for machine-readable output; --data-dir DIR for stats and backtest.
Exit codes: 0 ok, 1 a failed case or an invalid bundle, 2 usage.
`;

/** `warden policy ...`: test, check, explain, stats and backtest policy bundles. */
export async function policyCommand(argv: string[], io: CommandIo): Promise<number> {
  const [subcommand, ...rest] = argv;
  switch (subcommand) {
    case 'test':
      return testBundle(rest, io);
    case 'check':
      return checkBundle(rest, io);
    case 'explain':
      return explain(rest, io);
    case 'stats':
      return stats(rest, io);
    case 'backtest':
      return backtest(rest, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(POLICY_HELP);
      return subcommand === undefined ? EXIT.usage : EXIT.ok;
    default:
      throw new UserError('usage', `warden policy: unknown subcommand ${JSON.stringify(subcommand)}`, {
        hint: 'see `warden policy --help`',
      });
  }
}

async function testBundle(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('policy test', argv, {}, 1);
  if (values.help) return help(io);
  const dir = path.resolve(io.cwd, positionals[0] ?? defaultBundleDir());
  let report: PolicyTestReport;
  try {
    report = await runPolicyTests(dir);
  } catch (error) {
    io.err(`warden policy test: ${describeError(error)}\n`);
    return EXIT.failed;
  }
  if (values.json) io.out(`${JSON.stringify(report)}\n`);
  else {
    for (const failure of report.failures) {
      io.out(
        `FAIL ${failure.name}: expected ${failure.expected}, got ${failure.actual}${failure.policyIds.length > 0 ? ` (${failure.policyIds.join(', ')})` : ''}\n`,
      );
      for (const reason of failure.reasons) io.out(`     ${reason}\n`);
    }
    io.out(
      `${report.passed} passed, ${report.failures.length} failed (bundle ${report.bundleHash.slice(0, 12)})\n`,
    );
  }
  return report.failures.length === 0 ? EXIT.ok : EXIT.failed;
}

async function checkBundle(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('policy check', argv, {}, 1);
  if (values.help) return help(io);
  const dir = path.resolve(io.cwd, positionals[0] ?? defaultBundleDir());
  try {
    const summary = checkPolicyBundle(dir);
    if (values.json) io.out(`${JSON.stringify({ valid: true, ...summary })}\n`);
    else
      io.out(
        `ok: ${summary.policies} policies and ${summary.entities} entities valid against the schema (bundle ${summary.hash.slice(0, 12)})\n`,
      );
    return EXIT.ok;
  } catch (error) {
    if (values.json) io.out(`${JSON.stringify({ valid: false, error: describeError(error) })}\n`);
    io.err(`warden policy check: ${describeError(error)}\n`);
    return EXIT.failed;
  }
}

async function explain(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'policy explain',
    argv,
    {
      tool: { type: 'string' },
      input: { type: 'string' },
      bundle: { type: 'string' },
      workspace: { type: 'string' },
      agent: { type: 'string' },
      team: { type: 'string' },
      'trust-tier': { type: 'string' },
      'tainted-by': { type: 'string' },
      unparsable: { type: 'string' },
      config: { type: 'string' },
      'data-dir': { type: 'string' },
    },
    1,
  );
  if (values.help) return help(io);
  const { tool, input } = explainedCall(positionals[0], values.tool, values.input);
  const unparsable = values.unparsable ?? 'ask';
  if (unparsable !== 'ask' && unparsable !== 'deny')
    throw new UserError('usage', '--unparsable must be ask or deny');
  const trustTier = Number(values['trust-tier'] ?? '1');
  if (!Number.isInteger(trustTier)) throw new UserError('usage', '--trust-tier must be an integer');
  const explanation = await explainToolCall({
    bundleDir: path.resolve(io.cwd, values.bundle ?? defaultBundleDir()),
    workspaceDir: path.resolve(io.cwd, values.workspace ?? '.'),
    tool,
    input,
    principal: { agent: values.agent ?? 'explain', team: values.team ?? 'default', trustTier },
    unparsable,
    configPath: resolveConfigPath(values.config, resolveHome(values['data-dir'], io.env)),
    taintedBy: taintedBy(values['tainted-by']),
  });
  if (values.json) {
    io.out(`${JSON.stringify(explanation)}\n`);
    return EXIT.ok;
  }
  io.out(`decision: ${explanation.decision}\n`);
  io.out(`policies: ${explanation.policyIds.join(', ') || '(none)'}\n`);
  for (const reason of explanation.reasons) io.out(`  - ${reason}\n`);
  if (explanation.unparsable !== undefined) io.out(`unparsable: ${explanation.unparsable}\n`);
  if (explanation.beyondLimits !== undefined) io.out(`judged in part: ${explanation.beyondLimits}\n`);
  for (const verdict of explanation.packages) {
    const suggestion = verdict.suggestion === undefined ? '' : ` (suggested: ${verdict.suggestion})`;
    io.out(`package guard: ${verdict.decision} [${verdict.check}] ${verdict.reason}${suggestion}\n`);
  }
  for (const evaluation of explanation.evaluations) {
    io.out(
      `\n${evaluation.action} on ${evaluation.resource.type} ${JSON.stringify(evaluation.resource.id)}: ${evaluation.decision} (${evaluation.policyIds.join(', ') || 'no policy'})\n`,
    );
    io.out(`  facts: ${JSON.stringify(evaluation.context)}\n`);
  }
  io.out(`bundle: ${explanation.bundleHash}\n`);
  return EXIT.ok;
}

/**
 * The tool call to explain: a shell COMMAND given as the argument, or --tool NAME with --input JSON.
 *
 * @throws UserError `usage` when neither or both are given, or --input is not JSON.
 */
function explainedCall(
  command: string | undefined,
  tool: string | undefined,
  input: string | undefined,
): { tool: string; input: unknown } {
  if (command !== undefined) {
    if (tool !== undefined || input !== undefined)
      throw new UserError('usage', 'warden policy explain takes a COMMAND or --tool and --input, not both', {
        hint: "a shell call: `warden policy explain 'npm test'`; any tool: --tool NAME --input JSON",
      });
    return { tool: 'shell', input: { command } };
  }
  if (tool === undefined || input === undefined) {
    throw new UserError('usage', 'warden policy explain needs a COMMAND, or --tool NAME and --input JSON', {
      hint: "a shell call: `warden policy explain 'rm -rf /'`; see `warden policy --help`",
    });
  }
  try {
    return { tool, input: JSON.parse(input) };
  } catch (error) {
    throw new UserError('usage', `--input is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Every task's journal in the data directory, for backtests. */
async function readJournals(
  io: CommandIo,
  values: { 'data-dir'?: string | undefined; config?: string | undefined },
) {
  const warden = await openWarden(values, io);
  try {
    return await warden.policyJournals();
  } finally {
    await warden.close();
  }
}

async function stats(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('policy stats', argv, { since: { type: 'string' } });
  if (values.help) return help(io);
  const since = sinceDate(values.since);
  const warden = await openWarden(values, io);
  let report: PolicyStats;
  try {
    report = await warden.policyStats({ since });
  } finally {
    await warden.close();
  }
  if (values.json) {
    io.out(`${JSON.stringify(report)}\n`);
    return EXIT.ok;
  }
  if (report.decisions === 0) {
    io.err('no decisions recorded yet\n');
    return EXIT.ok;
  }
  io.out(`${report.decisions} decisions\n`);
  for (const [title, rows] of [
    ['agent', report.byAgent],
    ['tool', report.byTool],
    ['policy', report.byPolicy],
  ] as const) {
    io.out(`\nby ${title}:\n`);
    for (const row of rows) {
      io.out(
        `  ${row.key.padEnd(34)} ${String(row.total).padStart(6)}  denied ${percent(row.rejectionRate)}  asked ${percent(row.askRate)}\n`,
      );
    }
  }
  return EXIT.ok;
}

async function backtest(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('policy backtest', argv, {
    bundle: { type: 'string' },
    since: { type: 'string' },
    examples: { type: 'string' },
    unparsable: { type: 'string' },
  });
  if (values.help) return help(io);
  if (values.bundle === undefined)
    throw new UserError('usage', 'warden policy backtest needs --bundle DIR', {
      hint: 'see `warden policy --help`',
    });
  const examples = Number(values.examples ?? '5');
  if (!Number.isInteger(examples) || examples < 0)
    throw new UserError('usage', '--examples must be a whole number');
  const since = sinceDate(values.since);
  const report = await backtestBundle({
    bundleDir: path.resolve(io.cwd, values.bundle),
    // Read after the bundle, so a bad bundle is reported before the data directory is opened.
    journals: () => readJournals(io, values),
    since,
    examples,
    unparsable: values.unparsable === 'deny' ? 'deny' : 'ask',
  });
  if (values.json) {
    io.out(`${JSON.stringify(report)}\n`);
    return EXIT.ok;
  }
  io.out(
    `replayed ${report.replayed} tool calls against bundle ${report.bundleHash.slice(0, 12)}: ${report.unchanged} unchanged\n`,
  );
  for (const [title, bucket] of [
    ['newly denied', report.newlyDenied],
    ['newly asked', report.newlyAsked],
    ['newly allowed', report.newlyAllowed],
  ] as const) {
    io.out(`${title}: ${bucket.count}\n`);
    for (const example of bucket.examples) {
      io.out(
        `  ${example.taskId} ${example.tool} ${JSON.stringify(example.input)}: ${example.before} -> ${example.after} (${example.policyIds.join(', ') || 'no policy'})\n`,
      );
    }
  }
  return EXIT.ok;
}

function help(io: CommandIo): number {
  io.out(POLICY_HELP);
  return EXIT.ok;
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`.padStart(6);
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `7d` → the date seven days ago; `undefined` → `undefined`. @throws UserError `usage` on a bad duration. */
function sinceDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value);
  if (!match)
    throw new UserError(
      'usage',
      `--since must be a duration like 30m, 12h or 7d, got ${JSON.stringify(value)}`,
    );
  return new Date(Date.now() - Number(match[1]) * (UNITS[match[2] as string] as number));
}

/** The kinds of `--tainted-by issue,network`; undefined without it. @throws UserError for an unknown kind. */
function taintedBy(given: string | undefined): string[] | undefined {
  if (given === undefined) return undefined;
  const kinds = given
    .split(',')
    .map((kind) => kind.trim())
    .filter((kind) => kind !== '');
  const unknown = kinds.filter((kind) => !(CONTEXT_SOURCE_KINDS as readonly string[]).includes(kind));
  if (kinds.length === 0 || unknown.length > 0) {
    throw new UserError(
      'usage',
      `--tainted-by takes kinds of source: ${unknown.join(', ') || '(none given)'} is not one`,
      {
        hint: `one or more of ${CONTEXT_SOURCE_KINDS.join(', ')}, separated by commas`,
      },
    );
  }
  return kinds;
}
