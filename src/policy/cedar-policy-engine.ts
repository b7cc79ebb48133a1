import { posix } from 'node:path';
import { z } from 'zod';
import { describeError } from '../spec/errors.ts';
import type { ActionRequest, PolicyDecision, PolicyEngine, PolicyResource } from '../spec/policy.ts';
import type { TaintFacts } from '../spec/provenance.ts';
import { SANDBOX_WORKDIR } from '../spec/sandbox.ts';
import type { DecisionKind, ToolCall } from '../spec/types.ts';
import { statefulIsAuthorized } from './internal/cedar.ts';
import { stricter } from './internal/combine-decisions.ts';
import { principalEntities, resourceEntities } from './internal/request-entities.ts';
import { scanUnjudged } from './internal/scan-unjudged.ts';
import { withTaint } from './internal/taint-context.ts';
import { entityKey, loadPolicyBundle, type PolicyBundle } from './load-policy-bundle.ts';
import { deriveShellFacts, describeLine, type ShellFacts } from './shell-facts.ts';
import { createShellParser, type ShellParser } from './shell-parser.ts';
import { createWorkspacePaths } from './workspace-paths.ts';

const NAMESPACE = 'Warden';

/** Who the agent is, as policies see `principal`. */
export interface PolicyPrincipal {
  agent: string;
  team: string;
  /** 0 untrusted, 1 standard, 2 trusted, 3 operator-grade. */
  trustTier: number;
}

export interface CedarPolicyEngineSettings {
  /** A bundle directory, read on first use; ignored when `bundle` is given. */
  bundleDir?: string;
  /** A bundle already loaded (shared by many engines: it is parsed once). */
  bundle?: PolicyBundle;
  principal: PolicyPrincipal;
  /** `hostDir`: where the workspace is on the host. `protectedPaths`: default `DEFAULT_PROTECTED_PATHS`. */
  workspace: { hostDir: string; protectedPaths?: readonly string[] };
  /** What a command line that cannot be parsed gets. */
  unparsable: 'ask' | 'deny';
  /** Shares one bash parser between engines; default: a parser of its own, loaded on first use. */
  shellParser?: ShellParser;
  /**
   * The task's taint at the moment of each request (`context.taint`); an action request that carries
   * its own `taint` keeps it. Default: untainted. Given only to bundles whose schema declares it.
   */
  taint?: (() => TaintFacts) | undefined;
}

/** One Cedar request made for a decision, with its outcome: what `warden policy explain` shows. */
export interface PolicyEvaluation {
  action: string;
  resource: PolicyResource;
  context: Record<string, unknown>;
  decision: DecisionKind;
  reasons: string[];
  policyIds: string[];
}

export interface PolicyExplanation extends PolicyDecision {
  evaluations: PolicyEvaluation[];
  /** Why the command line could not be parsed; `undefined` when it was (or when it is not a shell call). */
  unparsable: string | undefined;
  /** Which parser limit the command line went past; `undefined` when it was judged whole. */
  beyondLimits?: string;
}

/** The Cedar engine: `decide`, `decideAction`, plus `explain` and `load` for tools and fail-fast starts. */
export interface CedarPolicyEngine extends PolicyEngine {
  /** Loads (once) and returns the bundle. @throws UserError `policy-bundle-invalid`. */
  load(): Promise<PolicyBundle>;
  /** The decision with every Cedar request behind it and the facts given to each. Never throws. */
  explain(call: ToolCall): Promise<PolicyExplanation>;
}

const FILE_TOOLS: Record<string, string> = {
  read_file: 'tool.read_file',
  write_file: 'tool.write_file',
  edit_file: 'tool.edit_file',
  list_files: 'tool.list_files',
  search: 'tool.search',
  find_symbol: 'tool.find_symbol',
  first_look: 'tool.first_look',
  recall_output: 'tool.recall_output', // reads the task's own journal: judged on the root
};

const PathInput = z.object({ path: z.string().optional(), pattern: z.string().optional() });
const ShellInput = z.object({ command: z.string() });

/**
 * A `PolicyEngine` on Cedar (`@cedar-policy/cedar-wasm`). Nothing is read or parsed at construction:
 * the bundle loads on first use (call `load()` to fail fast) and is parsed once. A shell call is parsed
 * into simple commands (tree-sitter-bash) and each is one Cedar request of `tool.shell`; file tools are
 * one request on the resolved path. A permit with `@ask` that matches yields `ask`; deny beats ask beats
 * allow; any error denies. A command line past the parser's limits (see `ShellParseLimits`) is judged
 * on the prefix that was parsed, the rest gets a lexical scan for deny-worthy words, and the whole asks
 * at best. Nothing is timed, so the same call gets the same decision however loaded the machine is.
 */
export function createCedarPolicyEngine(settings: CedarPolicyEngineSettings): CedarPolicyEngine {
  const paths = createWorkspacePaths(settings.workspace);
  const parser = settings.shellParser ?? createShellParser();
  let loaded: { bundle: PolicyBundle } | undefined;

  const ensure = () => {
    if (loaded) return loaded;
    loaded = { bundle: settings.bundle ?? loadPolicyBundle(settings.bundleDir ?? '') };
    return loaded;
  };

  // Cedar's answer is a function of the request alone (the bundle and the principal are fixed per
  // engine), and agents run the same few commands again and again: each distinct request is evaluated
  // once. Bounded; only clean answers are kept, so an error is met again rather than remembered.
  const answers = new Map<string, Omit<PolicyEvaluation, 'context'>>();
  const failed = new WeakSet<PolicyEvaluation>();
  const failure = (evaluation: PolicyEvaluation): PolicyEvaluation => {
    failed.add(evaluation);
    return evaluation;
  };

  const evaluate = (
    action: string,
    resource: PolicyResource,
    context: Record<string, unknown>,
    validate: boolean,
  ): PolicyEvaluation => {
    context = withTaint(ensure().bundle, context, settings.taint);
    const key = JSON.stringify([action, resource.type, resource.id, validate, context]);
    const known = answers.get(key);
    if (known !== undefined) {
      return { ...known, context, reasons: [...known.reasons], policyIds: [...known.policyIds] };
    }
    const evaluation = evaluateUncached(action, resource, context, validate);
    if (!failed.has(evaluation)) {
      if (answers.size >= MAX_REMEMBERED_ANSWERS) answers.delete(answers.keys().next().value as string);
      const { context: _context, ...answer } = evaluation;
      answers.set(key, { ...answer, reasons: [...answer.reasons], policyIds: [...answer.policyIds] });
    }
    return evaluation;
  };

  const evaluateUncached = (
    action: string,
    resource: PolicyResource,
    context: Record<string, unknown>,
    validate: boolean,
  ): PolicyEvaluation => {
    const { bundle } = ensure();
    const answer = statefulIsAuthorized({
      principal: { type: `${NAMESPACE}::Agent`, id: settings.principal.agent },
      action: { type: `${NAMESPACE}::Action`, id: action },
      resource: { type: `${NAMESPACE}::${resource.type}`, id: resource.id },
      context: context as never,
      preparsedPolicySetId: bundle.policySetFor(action),
      // Tool facts are built by typed code; requests from other callers are checked against the schema.
      ...(validate ? { preparsedSchemaName: bundle.schemaId, validateRequest: true } : {}),
      entities: [...principalEntities(settings.principal), ...resourceEntities(bundle, resource)],
    });
    const base = { action, resource, context };
    if (answer.type === 'failure') {
      return failure({
        ...base,
        decision: 'deny',
        reasons: answer.errors.map((error) => `policy error: ${error.message}`),
        policyIds: ['error'],
      });
    }
    const { decision, diagnostics } = answer.response;
    if (diagnostics.errors.length > 0) {
      return failure({
        ...base,
        decision: 'deny',
        reasons: diagnostics.errors.map(
          (error) => `policy ${error.policyId} failed to evaluate: ${error.error.message}`,
        ),
        policyIds: diagnostics.errors.map((error) => error.policyId),
      });
    }
    const matched = diagnostics.reason.map((id) => bundle.policies.find((policy) => policy.id === id));
    if (decision === 'deny') {
      if (matched.length === 0) {
        return {
          ...base,
          decision: 'deny',
          reasons: [`no policy permits ${action} on ${resource.type} ${JSON.stringify(resource.id)}`],
          policyIds: [],
        };
      }
      return {
        ...base,
        decision: 'deny',
        reasons: matched.map((policy) => policy?.reason ?? `forbidden by ${policy?.id}`),
        policyIds: diagnostics.reason,
      };
    }
    const asking = matched.filter((policy) => policy?.ask !== undefined);
    if (asking.length > 0) {
      return {
        ...base,
        decision: 'ask',
        reasons: asking.map((policy) => policy?.ask as string),
        policyIds: asking.map((policy) => policy?.id as string),
      };
    }
    return {
      ...base,
      decision: 'allow',
      reasons: matched.map((policy) => policy?.reason ?? `permitted by ${policy?.id}`),
      policyIds: diagnostics.reason,
    };
  };

  const shellEvaluations = async (
    command: string,
  ): Promise<{ evaluations: PolicyEvaluation[]; unparsable: string | undefined; beyond?: Beyond }> => {
    const parsed = await parser.parse(command);
    const { bundle } = ensure();
    const evaluations: PolicyEvaluation[] = [];
    // The text the parser judged: the facts of the line are about it (the rest gets its own scan).
    const lineFacts = describeLine(
      command.slice(0, command.length - (parsed.beyondLimits?.unjudged.length ?? 0)),
    );
    for (const simple of parsed.commands) {
      const facts: ShellFacts = deriveShellFacts(simple, paths, command, lineFacts);
      const { resolvedWrites: _shown, ...context } = facts;
      const pair = `${facts.program} ${facts.subcommand}`;
      const id =
        facts.subcommand !== '' && bundle.entities.has(entityKey(`${NAMESPACE}::Command`, pair))
          ? pair
          : facts.program;
      const evaluation = evaluate('tool.shell', { type: 'Command', id }, context, false);
      // Shown with what was judged: the facts (the resolved writes too) and the taint.
      evaluations.push({ ...evaluation, context: { ...evaluation.context, ...facts } });
    }
    if (parsed.beyondLimits === undefined) return { evaluations, unparsable: parsed.unparsable };
    const { reason, unjudged } = parsed.beyondLimits;
    const denied =
      unjudged.length > MAX_SCANNED_CHARS
        ? `more than ${MAX_SCANNED_CHARS} characters were left unjudged`
        : scanUnjudged(unjudged);
    return {
      evaluations,
      unparsable: parsed.unparsable,
      beyond: {
        reason,
        decision: denied === undefined ? 'ask' : 'deny',
        message:
          denied === undefined
            ? `the command is judged only in part (${reason}): a human reads the rest`
            : `the command is judged only in part (${reason}) and the rest holds ${denied}`,
      },
    };
  };

  const explainCall = async (call: ToolCall): Promise<PolicyExplanation> => {
    const { bundle } = ensure();
    let evaluations: PolicyEvaluation[];
    let unparsable: string | undefined;
    let beyond: Beyond | undefined;
    if (call.name === 'shell') {
      const input = ShellInput.safeParse(call.input);
      if (!input.success) return refusal(bundle, 'the shell call has no command string', 'invalid-input');
      ({ evaluations, unparsable, beyond } = await shellEvaluations(input.data.command));
    } else if (FILE_TOOLS[call.name] !== undefined) {
      const input = PathInput.safeParse(call.input);
      if (!input.success) return refusal(bundle, `the ${call.name} call has no usable path`, 'invalid-input');
      const given = input.data.path ?? '.';
      const resolved = paths.resolve(given, SANDBOX_WORKDIR);
      const inWorkspace = resolved.place === 'workspace' || resolved.place === 'protected';
      const context: Record<string, unknown> = {
        path: given,
        relativePath: resolved.relativePath,
        inWorkspace,
        protected: resolved.place === 'protected',
        ...(call.name === 'search' ? { pattern: input.data.pattern ?? '' } : {}),
      };
      const id = inWorkspace ? resolved.relativePath || '.' : posix.normalize(resolved.relativePath);
      evaluations = [evaluate(FILE_TOOLS[call.name] as string, { type: 'Path', id }, context, false)];
    } else {
      return refusal(bundle, `there is no tool named ${call.name}`, 'unknown-tool');
    }
    return combine(bundle, evaluations, unparsable, beyond);
  };

  const combine = (
    bundle: PolicyBundle,
    evaluations: PolicyEvaluation[],
    unparsable: string | undefined,
    beyond?: Beyond,
  ): PolicyExplanation => {
    let decision: DecisionKind = 'allow';
    for (const evaluation of evaluations) decision = stricter(decision, evaluation.decision);
    if (unparsable !== undefined) decision = stricter(decision, settings.unparsable);
    if (beyond !== undefined) decision = stricter(decision, beyond.decision);
    if (evaluations.length === 0 && unparsable === undefined && beyond === undefined) {
      return {
        decision: 'allow',
        reasons: ['nothing to run'],
        policyIds: [],
        bundleHash: bundle.hash,
        evaluations,
        unparsable,
      };
    }
    const deciding = evaluations.filter((evaluation) => evaluation.decision === decision);
    const reasons: string[] = [];
    const policyIds: string[] = [];
    if (beyond !== undefined && decision === beyond.decision) {
      reasons.push(beyond.message);
      policyIds.push('beyond-limits');
    }
    if (unparsable !== undefined && decision === settings.unparsable) {
      reasons.push(`the command could not be parsed: ${unparsable}`);
      policyIds.push('unparsable');
    }
    for (const evaluation of deciding) {
      const line = typeof evaluation.context.line === 'string' ? `\`${evaluation.context.line}\`: ` : '';
      for (const reason of evaluation.reasons)
        if (!reasons.includes(line + reason)) reasons.push(line + reason);
      for (const id of evaluation.policyIds) if (!policyIds.includes(id)) policyIds.push(id);
    }
    return {
      decision,
      reasons,
      policyIds,
      bundleHash: bundle.hash,
      evaluations,
      unparsable,
      ...(beyond === undefined ? {} : { beyondLimits: beyond.reason }),
    };
  };

  const failClosed = (error: unknown): PolicyExplanation => ({
    decision: 'deny',
    reasons: [`policy error: ${describeError(error)}`],
    policyIds: ['error'],
    bundleHash: loaded?.bundle.hash ?? '',
    evaluations: [],
    unparsable: undefined,
  });

  const strip = ({ decision, reasons, policyIds, bundleHash }: PolicyExplanation): PolicyDecision => ({
    decision,
    reasons,
    policyIds,
    bundleHash,
  });

  return {
    get name() {
      return loaded ? `cedar:${loaded.bundle.hash.slice(0, 12)}` : 'cedar';
    },
    async load() {
      return ensure().bundle;
    },
    async explain(call) {
      try {
        return await explainCall(call);
      } catch (error) {
        return failClosed(error);
      }
    },
    async decide(call) {
      try {
        return strip(await explainCall(call));
      } catch (error) {
        return strip(failClosed(error));
      }
    },
    async decideAction(request: ActionRequest) {
      try {
        const { bundle } = ensure();
        const evaluation = evaluate(request.action, request.resource, { ...request.context }, true);
        return strip(combine(bundle, [evaluation], undefined));
      } catch (error) {
        return strip(failClosed(error));
      }
    },
  };
}

/** Distinct Cedar requests an engine remembers the answer of; the oldest is forgotten first. */
const MAX_REMEMBERED_ANSWERS = 4096;

/** Unjudged text longer than this is not scanned: it is denied. */
const MAX_SCANNED_CHARS = 1024 * 1024;

/** A command line past the parser's limits: what its unjudged rest makes of the decision. */
interface Beyond {
  reason: string;
  decision: 'ask' | 'deny';
  message: string;
}

function refusal(bundle: PolicyBundle, reason: string, id: string): PolicyExplanation {
  return {
    decision: 'deny',
    reasons: [reason],
    policyIds: [id],
    bundleHash: bundle.hash,
    evaluations: [],
    unparsable: undefined,
  };
}
