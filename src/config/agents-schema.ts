import { z } from 'zod';

const positiveInt = (description: string) => z.number().int().positive().describe(description);

/** The tools a built-in agent loop can be given (`tools:` of an agent or a stage). */
export const TOOL_NAMES = [
  'list_files',
  'read_file',
  'search',
  'find_symbol',
  'first_look',
  'shell',
  'edit_file',
  'write_file',
] as const;

/** A name of an agent, a stage or a role: what `agent:NAME` and `stage:NAME` routes and the journal use. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const AgentSchema = z
  .strictObject({
    maxOutputTokens: positiveInt(
      'Maximum output tokens per model call (also the budget reservation).',
    ).default(4096),
    name: z
      .string()
      .regex(NAME)
      .describe(
        'Name of the agent: its tasks are charged to it (daily limits, breakers, reports) and policies see it.',
      )
      .default('coder'),
    team: z
      .string()
      .regex(NAME)
      .describe('Team the agent belongs to (team daily limits, reports, policies).')
      .default('default'),
    trustTier: z
      .number()
      .int()
      .min(0)
      .max(3)
      .describe('How far policies trust this agent: 0 untrusted … 3 most trusted.')
      .default(1),
    installScripts: z
      .boolean()
      .describe(
        "Let installs run packages' install scripts (npm's preinstall, install, postinstall). Default false: an install that would run one is refused unless it carries --ignore-scripts.",
      )
      .default(false),
    toolOutputChars: positiveInt(
      'Characters of a tool result shown to the model; the rest is cut, and said so.',
    ).default(16_000),
    compaction: z
      .strictObject({
        triggerTokens: positiveInt(
          'Estimated prompt tokens (characters / 4 of the system prompt, tool schemas and conversation) at which, before a model call, old tool outputs are replaced by stubs: the high watermark. Each compaction re-sends everything after its first stub uncached, so a high trigger with a deep drop (few turns kept) makes compactions rare.',
        ).default(80_000),
        keepRecentTurns: positiveInt(
          'Newest model turns whose tool outputs are always kept whole; older outputs over 1 KB become stubs naming the call. These turns are re-sent uncached at each compaction, so fewer is cheaper and keeps the cache hit ratio higher.',
        ).default(3),
      })
      .nullable()
      .describe(
        "Compaction of long conversations: once the prompt reaches triggerTokens, the outputs of older tool calls become stubs naming the call, and the loop gets the recall_output tool, which reads a dropped output back from the journal without running anything again (the task, every assistant turn and the newest turns stay byte for byte), all at once and only when that frees at least a quarter of triggerTokens, so the prompt drops far below the trigger and the prompt cache's prefix stays stable until the next one; journaled as context-compacted. null: never compacted.",
      )
      .prefault({}),
    localize: z
      .strictObject({
        k: positiveInt('Files shown at most, best first.').default(8),
        tokens: positiveInt(
          'Estimated tokens (characters / 4) the list may take at most; files that do not fit are left out whole.',
        ).default(1_500),
        rerank: z
          .strictObject({
            tier: z
              .enum(['nano', 'small'])
              .describe(
                "The router tier whose model reranks (router.enabled); with the router off, the agent's own model does (a scripted model answers as its role rerank).",
              )
              .default('nano'),
            model: z
              .string()
              .min(1)
              .optional()
              .describe('A model spec to rerank with instead of the tier (anthropic:claude-haiku-4-5).'),
            candidates: z
              .number()
              .int()
              .min(2)
              .max(30)
              .describe("The localizer's best files sent to the model, each with its path and top symbols.")
              .default(10),
            maxOutputTokens: z
              .number()
              .int()
              .min(16)
              .max(4_096)
              .describe(
                'Most output tokens the reply may take (also its budget reservation); a reply cut there is refused.',
              )
              .default(400),
          })
          .nullable()
          .describe(
            "A cheap model reorders the localizer's top candidates: it is sent the task's text and the candidates' paths and top symbols, and must answer a JSON list of paths, best first. Charged to the task like any model call. A reply that is not such a list, names a path that was not a candidate or is cut at maxOutputTokens, or a call that fails or is refused by the budget, keeps the localizer's order; either way it is journaled in context-localized (rerank). null (the default): the localizer's order.",
          )
          .default(null),
      })
      .nullable()
      .describe(
        "Localization of the first turn: before the first model call of a single-loop task, before the first model stage of a pipeline (every model stage is shown it), before an orchestrator's planner and before a swarm's roles (every role is shown it), the repository is searched for the task's text (BM25 over paths, symbols and content, the repository map's rank, the names the task writes as code) and the ranked files with their symbols and line ranges go before the task in the first message, marked as a hint; journaled once as context-localized (a resume sends the same and never reranks again). null (the default): none.",
      )
      .default(null),
    check: z
      .string()
      .min(1)
      .nullable()
      .describe(
        "The stage's verification, run in the sandbox when the model says it is finished: exit 0 passes; a failure escalates one tier (router.cascade) or fails the task. auto: the repository's own test command, detected at the task's start (package.json test script with its lockfile's package manager, pytest, tox, go test, cargo test, make test; see the README). A command (`npm test`) runs as given. none (or null): no check, and a task the model finishes ends unverified, not succeeded.",
      )
      .default('auto'),
    preChecks: z
      .array(
        z.strictObject({
          command: z.string().min(1),
          when: z.enum(['exit-0', 'exit-nonzero']),
          outcome: z.enum(['already-done', 'not-actionable']),
        }),
      )
      .describe(
        'Cheap commands run in the sandbox before any model call; the first whose exit status matches `when` ends the task with `outcome`.',
      )
      .default([]),
    delivers: z
      .enum(['pull-request', 'comment'])
      .describe(
        "pull-request: a succeeded task's branch becomes a pull request. comment: a task the model finished (succeeded or unverified) posts the agent's last words as a comment on the issue or pull request its trigger names, and pushes nothing (reviewers, investigators).",
      )
      .default('pull-request'),
    mode: z
      .enum(['act', 'shadow'])
      .describe(
        'act: a succeeded task is delivered to the forge. shadow: the agent does the work, and Warden pushes and posts nothing; the pull request it would open is stored and shown (`warden tasks`, the API), to measure would-be acceptance before acting.',
      )
      .default('act'),
    batch: z
      .boolean()
      .describe(
        "Not latency-sensitive (evals, nightly jobs): every model call goes through the vendor's batch API (Anthropic Message Batches, OpenAI Batch) at the batch price, waiting durably; a restarted task polls the batch it already submitted. A model with no batch API (scripted, openai-compatible) is refused.",
      )
      .default(false),
    secretAllow: z
      .array(
        z
          .strictObject({
            fingerprint: z
              .string()
              .regex(/^[0-9a-f]{16}$/, 'must be the 16 hex digits a secret-detected event names')
              .optional()
              .describe('The finding’s fingerprint, as `secret-detected` and the task’s detail name it.'),
            path: z
              .string()
              .min(1)
              .optional()
              .describe('A repository file, or a folder ending in `/` (`test/fixtures/`).'),
            rule: z
              .string()
              .min(1)
              .optional()
              .describe('Only findings of this rule (`high-entropy`, `aws`, `privatekey`…).'),
            repo: z
              .string()
              .min(1)
              .optional()
              .describe('Only in this repository (its absolute path, as `warden run --repo` resolves it).'),
            reason: z.string().min(1).describe('Why it is no secret, for the next reader.'),
          })
          .refine((entry) => entry.fingerprint !== undefined || entry.path !== undefined, {
            message: 'name a fingerprint or a path: an entry may not allow a rule everywhere',
          }),
      )
      .describe(
        "Findings of the secret scan that are not secrets (a test fixture's fake key, a public hash): each entry allows the findings that match every field it gives. The scan itself (of every change before its branch is made, and of every text posted on the forge) cannot be switched off.",
      )
      .default([]),
  })
  .describe('The agent step loop.');

const tierSchema = z.enum(['top', 'mid', 'small', 'nano']);

/**
 * One stage of a pipeline: a command (`run`) whose exit status must meet `expect`, or a model loop
 * (`prompt`) with its own tools, tier or model, step limit and check. Exactly one of `run` and `prompt`.
 */
export const StageSchema = z
  .strictObject({
    name: z.string().regex(NAME, 'letters, digits, ".", "_" and "-", starting with a letter or digit'),
    run: z
      .string()
      .min(1)
      .optional()
      .describe(
        "A command stage: the command, run in the sandbox; `check` runs the task's check (the agent's `check`, or the repository's test command `auto` found).",
      ),
    says: z
      .string()
      .min(1)
      .optional()
      .describe("A command stage: what the task's detail says when the command does not meet `expect`."),
    expect: z
      .enum(['exit-0', 'exit-nonzero'])
      .optional()
      .describe('A command stage: the exit status the pipeline goes on with (default exit-0).'),
    outcome: z
      .enum(['already-done', 'not-actionable', 'failed'])
      .optional()
      .describe(
        'A command stage: how the task ends when the command does not meet `expect` (default failed).',
      ),
    prompt: z.string().min(1).optional().describe("A model stage: the stage's instructions to the model."),
    tools: z
      .array(z.enum(TOOL_NAMES))
      .min(1)
      .optional()
      .describe('A model stage: the tools it may call (default all of them).'),
    tier: tierSchema.optional().describe('A model stage: the router tier it starts on (router.enabled).'),
    model: z.string().min(1).optional().describe('A model stage: a model spec, instead of the routed one.'),
    maxSteps: positiveInt("A model stage: most model calls it may make (within the task's).").optional(),
    maxUsd: z
      .number()
      .positive()
      .optional()
      .describe("A model stage: most its model calls may spend, USD (within the task's budget)."),

    check: z
      .string()
      .min(1)
      .nullable()
      .optional()
      .describe(
        'A model stage: the command that verifies it when the model finishes (exit 0 passes; a failure escalates one tier when router.cascade is on). Default: none, the next stage goes on.',
      ),
  })
  .superRefine((stage, context) => {
    const command = stage.run !== undefined;
    if (command === (stage.prompt !== undefined)) {
      context.addIssue({
        code: 'custom',
        message: 'a stage has either `run` (a command) or `prompt` (a model loop)',
      });
      return;
    }
    const wrong = command
      ? (['tools', 'tier', 'model', 'maxSteps', 'maxUsd', 'check'] as const).filter(
          (key) => stage[key] !== undefined,
        )
      : (['expect', 'outcome', 'says'] as const).filter((key) => stage[key] !== undefined);
    for (const key of wrong) {
      context.addIssue({
        code: 'custom',
        path: [key],
        message: command ? 'only a model stage (`prompt`) has this' : 'only a command stage (`run`) has this',
      });
    }
  });

export type Stage = z.output<typeof StageSchema>;

/** The tools a planner may have: it reads, and plans; it changes nothing. */
export const PLANNER_TOOL_NAMES = ['list_files', 'read_file', 'search', 'find_symbol', 'first_look'] as const;

const roleFields = {
  prompt: z.string().min(1).optional().describe("Instructions added to the role's own."),
  tier: tierSchema.optional().describe('The router tier it starts on (router.enabled).'),
  model: z.string().min(1).optional().describe('A model spec, instead of the routed one.'),
  maxSteps: positiveInt("Most model calls one loop of it may make (within the task's).").optional(),
};

/** An orchestrator's planner: reads the repository and calls `plan` once. */
export const PlannerSchema = z
  .strictObject({
    ...roleFields,
    tools: z
      .array(z.enum(PLANNER_TOOL_NAMES))
      .optional()
      .describe('The reading tools it may call besides `plan` (default all three).'),
  })
  .describe('pattern orchestrator: the planner, which splits the task into checked subtasks.');

/** An orchestrator's worker: one loop per subtask, in a sandbox of its own. */
export const WorkerSchema = z
  .strictObject({
    ...roleFields,
    tools: z.array(z.enum(TOOL_NAMES)).min(1).optional().describe('The tools it may call (default all).'),
  })
  .describe('pattern orchestrator: the worker that carries out each subtask.');

/**
 * A named agent (`agents.NAME`, or `agents/NAME.yaml` beside the config): the fields of `agent:`, each
 * with the same default, plus its shape. `single` is today's one loop; `pipeline` runs `stages` in order.
 */
/** One role of a swarm: a loop of its own, in parallel with the others, around a shared scratchpad. */
export const RoleSchema = z.strictObject({
  name: z.string().regex(NAME, 'letters, digits, ".", "_" and "-", starting with a letter or digit'),
  ...roleFields,
  prompt: z.string().min(1).describe('What this role does.'),
  tools: z.array(z.enum(TOOL_NAMES)).min(1).optional().describe("Its built-in tools (default the agent's)."),
  check: z
    .string()
    .min(1)
    .optional()
    .describe("A command that must pass in the role's sandbox when it finishes (default none)."),
});

export const AgentDefinitionSchema = AgentSchema.extend({
  name: z.never().optional().describe('Set by the key (or file name) the agent is declared under.'),
  pattern: z
    .enum(['single', 'pipeline', 'orchestrator', 'swarm'])
    .describe(
      'How the agent runs: single (one loop), pipeline (stages in order), orchestrator (a planner, then one checked worker loop per subtask), swarm (roles at once around a shared scratchpad).',
    )
    .default('single'),
  prompt: z.string().min(1).optional().describe("Instructions added to Warden's system prompt."),
  tools: z.array(z.enum(TOOL_NAMES)).min(1).optional().describe('The tools it may call (default all).'),
  model: z.string().min(1).optional().describe('Its model when --model is not given (default `model`).'),
  budget: z
    .strictObject({
      maxUsd: z.number().positive().optional(),
      maxTokens: z.number().int().positive().optional(),
      maxSteps: z.number().int().positive().optional(),
      maxWallSeconds: z.number().positive().optional(),
    })
    .optional()
    .describe("Per-task limits that replace `budget`'s for its tasks."),
  stages: z.array(StageSchema).min(1).optional().describe('pattern pipeline: the stages, in order.'),
  planner: PlannerSchema.optional(),
  worker: WorkerSchema.optional(),
  maxParallel: positiveInt('pattern orchestrator: most subtasks run at once (default 4).').optional(),
  roles: z
    .array(RoleSchema)
    .min(2)
    .max(16)
    .optional()
    .describe('pattern swarm: the roles, run at once, each in its own sandbox.'),
  stallSteps: positiveInt(
    'pattern swarm: model calls across the roles with no progress (a write, a claim, a note, a role done) before the swarm is ended as deadlocked (default 12).',
  ).optional(),
}).superRefine((agent, context) => {
  if ((agent.pattern === 'swarm') !== (agent.roles !== undefined)) {
    context.addIssue({
      code: 'custom',
      path: ['roles'],
      message: agent.pattern === 'swarm' ? 'a swarm needs roles' : 'only pattern swarm has roles',
    });
  }
  if (agent.pattern !== 'swarm' && agent.stallSteps !== undefined) {
    context.addIssue({ code: 'custom', path: ['stallSteps'], message: 'only pattern swarm has this' });
  }
  const roleNames = (agent.roles ?? []).map((role) => role.name);
  for (const [index, name] of roleNames.entries()) {
    if (roleNames.indexOf(name) !== index) {
      context.addIssue({
        code: 'custom',
        path: ['roles', index, 'name'],
        message: `role ${name} is named twice`,
      });
    }
  }
  if (agent.pattern !== 'orchestrator') {
    for (const key of ['planner', 'worker', 'maxParallel'] as const) {
      if (agent[key] !== undefined) {
        context.addIssue({ code: 'custom', path: [key], message: 'only pattern orchestrator has this' });
      }
    }
  }
  if ((agent.pattern === 'pipeline') !== (agent.stages !== undefined)) {
    context.addIssue({
      code: 'custom',
      path: ['stages'],
      message: agent.pattern === 'pipeline' ? 'a pipeline needs stages' : 'only pattern pipeline has stages',
    });
  }
  const names = (agent.stages ?? []).map((stage) => stage.name);
  for (const [index, name] of names.entries()) {
    if (names.indexOf(name) !== index) {
      context.addIssue({
        code: 'custom',
        path: ['stages', index, 'name'],
        message: `stage ${name} is named twice`,
      });
    }
  }
});

export type AgentDefinition = z.output<typeof AgentDefinitionSchema>;

export const AgentsSchema = z
  .record(z.string().regex(NAME, 'an agent name: letters, digits, ".", "_" and "-"'), AgentDefinitionSchema)
  .describe(
    'Named agents, run with `warden run --agent NAME`; `agents/NAME.yaml` beside the config adds more.',
  )
  .default({});
