import { z } from 'zod';
import { EGRESS_GROUPS, type EgressGroupName, SANDBOX_DRIVERS } from '../sandbox/index.ts';
import { DEFAULT_PROTECTED_PATHS } from '../spec/sandbox.ts';
import { AgentSchema, AgentsSchema } from './agents-schema.ts';
import { FleetSchema } from './fleet-schema.ts';
import { ProvenanceSchema } from './provenance-schema.ts';
import { TriggersSchema } from './triggers-schema.ts';

const positive = (description: string) => z.number().positive().describe(description);
const positiveInt = (description: string) => z.number().int().positive().describe(description);

export const BudgetSchema = z
  .strictObject({
    maxUsd: positive(
      'Most a task may spend on model calls, in USD. A call that could cross it is not made.',
    ).default(2),
    maxTokens: positiveInt('Most tokens (input, output and cache) a task may use.').default(2_000_000),
    maxSteps: positiveInt('Most model calls a task may make.').default(40),
    maxWallSeconds: positive('Most wall-clock seconds a task may run.').default(900),
  })
  .describe('Per-task limits; whichever is reached first stops the task with exit code 3.');

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

const groupName = z.enum(Object.keys(EGRESS_GROUPS) as [EgressGroupName, ...EgressGroupName[]]);

const EgressSchema = z
  .strictObject({
    allow: z
      .array(z.string().min(1))
      .describe(
        "Hosts the sandbox may reach through Warden's proxy: exact names or `*.suffix` (which does not match the bare domain), each with an optional `:port` (default 80 and 443).",
      )
      .default([]),
    groups: z
      .array(
        z.union([
          groupName,
          z.strictObject({
            name: groupName,
            allowWrite: z
              .boolean()
              .describe('Let plain-HTTP requests to this group use methods other than GET and HEAD.')
              .default(false),
          }),
        ]),
      )
      .describe(
        `Named host groups to allow: ${Object.keys(EGRESS_GROUPS).join(', ')}. A name alone is read-only (GET and HEAD) for the requests the proxy can see; \`{ name, allowWrite: true }\` lets them write.`,
      )
      .default([]),
    secrets: z
      .array(
        z.strictObject({
          name: envName.describe('The variable inside the sandbox that holds the placeholder.'),
          fromEnv: envName.describe("The host's environment variable holding the real value."),
          hosts: z
            .array(z.string().min(1))
            .describe('Hosts whose plain-HTTP requests get the real value in place of the placeholder.')
            .default([]),
          allowWrite: z
            .boolean()
            .describe(
              'Let a plain-HTTP request carrying this secret use methods other than GET and HEAD (publishing, for one).',
            )
            .default(false),
        }),
      )
      .describe('Credentials the sandbox sees only as placeholders; the proxy puts the real value back.')
      .default([]),
    upstreams: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
          url: z.string().url(),
          secret: envName.optional(),
          header: z.string().min(1).optional(),
          scheme: z.string().optional(),
          urlEnv: z.array(envName).optional(),
          allowWrite: z
            .boolean()
            .describe(
              'Let requests to this upstream use methods other than GET and HEAD (publishing, for one). Default: read-only.',
            )
            .default(false),
        }),
      )
      .describe(
        'Credentialed upstreams reached as `<proxy>/_upstream/NAME/`: the proxy forwards to `url`, adding the named secret.',
      )
      .default([]),
  })
  .describe('The way out of the sandbox: none unless listed here.');

export const SandboxSchema = z
  .strictObject({
    driver: z
      .enum(SANDBOX_DRIVERS)
      .default('bubblewrap')
      .describe(
        'Where agent commands run: bubblewrap (local namespaces, the default), docker (a container per command on a local Docker engine, DOCKER_HOST), or e2b (hosted micro-VMs, E2B_API_KEY). Only bubblewrap supports egress.',
      ),
    docker: z
      .strictObject({
        image: z
          .string()
          .min(1)
          .default('node:24-bookworm-slim')
          .describe('The image commands run in with the docker driver; it must have /bin/sh.'),
      })
      .prefault({})
      .describe('Settings of the docker driver.'),
    e2b: z
      .strictObject({
        template: z
          .string()
          .min(1)
          .nullable()
          .default(null)
          .describe("The E2B sandbox template; null: E2B's base template."),
      })
      .prefault({})
      .describe('Settings of the e2b driver.'),
    commandTimeoutMs: positiveInt('Default timeout of one shell command, in milliseconds.').default(120_000),
    maxCommandTimeoutMs: positiveInt('Largest timeout_ms the agent may ask for.').default(600_000),
    maxOutputBytes: positiveInt(
      'Bytes of stdout and of stderr kept per command; the rest is counted.',
    ).default(1_000_000),
    limits: z
      .strictObject({
        memoryMb: positiveInt('Memory of one command, all its processes together, in MiB.').default(4096),
        processes: positiveInt('Processes and threads one command may have alive at once.').default(512),
        cpuSeconds: positiveInt('CPU seconds per process.').default(900),
        fileSizeMb: positiveInt('Largest file a command may write, in MiB.').default(1024),
        workspaceMb: positiveInt(
          'Disk the workspace may use, checked while a command runs and after it, in MiB (also the size of the private /tmp).',
        ).default(8192),
      })
      .prefault({})
      .describe(
        'Resource limits of each sandboxed command; see the README section "Sandbox" for how each is enforced.',
      ),
    protectedPaths: z
      .array(
        z
          .string()
          .min(1)
          .refine((entry) => !entry.startsWith('/') && !entry.split('/').includes('..'), {
            message: 'must be relative to the workspace, without ".."',
          }),
      )
      .default([...DEFAULT_PROTECTED_PATHS])
      .describe(
        'Workspace paths the agent may not create or change (read-only in the sandbox, refused by the file tools); a trailing "/" marks a directory. `.git` is always protected. Replaces the default list: ' +
          DEFAULT_PROTECTED_PATHS.join(', '),
      ),
    egress: EgressSchema.prefault({}),
  })
  .describe('How agent commands run inside the sandbox.');

const nullableLimit = (description: string) =>
  z.number().positive().nullable().describe(`${description} null: no limit.`).default(null);

export const PricingSchema = z
  .strictObject({
    tablePath: z
      .string()
      .min(1)
      .nullable()
      .describe(
        "A price table in LiteLLM's model_prices_and_context_window.json layout to use instead of the shipped one. null: the shipped table.",
      )
      .default(null),
    allowUnpriced: z
      .boolean()
      .describe(
        'Let an openai-compatible model with no price (in the table or under `models`) run at $0, labelled unpriced; token limits still apply. false: such a model is refused.',
      )
      .default(false),
  })
  .describe('Model prices.');

const TimeoutsSchema = z.strictObject({
  firstByteMs: positiveInt(
    'Milliseconds until the first byte of a streamed reply; a call that is not streamed has only totalMs.',
  ).optional(),
  totalMs: positiveInt('Milliseconds for one whole call, the reply read to its end.').optional(),
});

export const ProviderSchema = z
  .strictObject({
    streaming: z
      .boolean()
      .describe(
        'Stream vendor replies (SSE): a late first byte and a cut stream are seen at once and retried. Batch and scripted calls are never streamed.',
      )
      .default(true),
    timeouts: z
      .strictObject({
        firstByteMs: positiveInt(
          'Milliseconds until the first byte of a streamed reply; a call that is not streamed has only totalMs.',
        ).default(60_000),
        totalMs: positiveInt('Milliseconds for one whole call, the reply read to its end.').default(600_000),
      })
      .prefault({})
      .describe(
        'Time limits of every vendor call (a timed-out call is retried); `models` can override them per model.',
      ),
    retry: z
      .strictObject({
        maxAttempts: positiveInt(
          'Calls of one model call in all, the first included, on 408, 429, 5xx, connection cuts and timeouts.',
        ).default(3),
        backoffBaseMs: positiveInt(
          'First retry delay, in milliseconds, doubled per attempt, with full jitter; retry-after wins when given.',
        ).default(500),
        backoffMaxMs: positiveInt(
          'Longest wait before a retry, in milliseconds; a retry-after above it is given up on at once.',
        ).default(30_000),
      })
      .prefault({})
      .describe('Retries of a model used without the router (the router has its own, per model of a tier).'),
  })
  .describe('How Warden calls model vendors: streaming, timeouts and retries.');

const perMTok = (what: string) =>
  z.number().nonnegative().describe(`USD per million ${what} tokens.`).optional();

export const ModelSettingsSchema = z
  .strictObject({
    inputPerMTok: perMTok('input'),
    outputPerMTok: perMTok('output'),
    cacheReadPerMTok: perMTok('cache-read (default: the input price)'),
    cacheWritePerMTok: perMTok('cache-write (default: the input price)'),
    contextWindow: positiveInt('Tokens the model accepts in one request.').optional(),
    timeouts: TimeoutsSchema.describe('Time limits of this model, overriding provider.timeouts.').optional(),
  })
  .superRefine((model, context) => {
    const declared = [model.inputPerMTok, model.outputPerMTok].filter((price) => price !== undefined).length;
    const extras = [model.cacheReadPerMTok, model.cacheWritePerMTok, model.contextWindow];
    if (declared === 1 || (declared === 0 && extras.some((field) => field !== undefined)))
      context.addIssue({
        code: 'custom',
        path: [model.inputPerMTok === undefined ? 'inputPerMTok' : 'outputPerMTok'],
        message: 'a price needs both inputPerMTok and outputPerMTok (0 for a free self-hosted model)',
      });
  });

const MODEL_KEY = /^(anthropic|openai|openai-compatible):[^\s@]+(@https?:\/\/\S+)?$/;

export const RouterSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .describe('Route model calls by tier instead of always using `model`.')
      .default(false),
    tiers: z
      .partialRecord(z.enum(['top', 'mid', 'small', 'nano']), z.array(z.string().min(1)).min(1))
      .describe(
        'Ordered model specs per tier; a call falls back down its tier list. Tiers left out take their models from the price table.',
      )
      .default({}),
    routes: z
      .record(z.string().regex(/^(agent|stage|kind):\S+$/), z.enum(['top', 'mid', 'small', 'nano']))
      .describe(
        'Tier by `agent:NAME`, `stage:NAME` or `kind:NAME`; the most specific match wins (kind, then stage, then agent).',
      )
      .default({}),
    defaultTier: z
      .enum(['top', 'mid', 'small', 'nano'])
      .describe('Tier used when no route matches.')
      .default('mid'),
    cascade: z
      .boolean()
      .describe(
        "Run the cheapest suitable tier first and escalate one tier only when the stage's check fails.",
      )
      .default(true),
    maxAttempts: positiveInt(
      'Calls per model before falling back to the next one on 429, 5xx, timeouts or overload.',
    ).default(2),
    backoffBaseMs: positiveInt(
      'First retry delay, in milliseconds, doubled per attempt, with full jitter; retry-after wins when given.',
    ).default(500),
    backoffMaxMs: positiveInt('Longest wait before a retry, in milliseconds.').default(30_000),
  })
  .describe('Model-tier routing, fallback and cascade.');

export const LimitsSchema = z
  .strictObject({
    agentDailyUsd: nullableLimit('Most one agent may spend per UTC day, in USD, across all its tasks.'),
    agentDailyTokens: nullableLimit('Most tokens one agent may use per UTC day.'),
    teamDailyUsd: nullableLimit('Most one team may spend per UTC day, in USD.'),
    teamDailyTokens: nullableLimit('Most tokens one team may use per UTC day.'),
    fleetDailyUsd: nullableLimit('Most the whole installation may spend per UTC day, in USD.'),
    fleetDailyTokens: nullableLimit('Most tokens the whole installation may use per UTC day.'),
  })
  .describe(
    'Spend limits shared by concurrent tasks, reserved before every call (the per-task limit is `budget`).',
  );

export const BreakersSchema = z
  .strictObject({
    toolErrorWindow: positiveInt(
      "Tool calls of one task the tool-error breaker judges: the task's last N. It is judged only once the task has made N calls.",
    ).default(20),
    toolErrorRate: z
      .number()
      .gt(0)
      .max(1)
      .describe(
        "Share of the task's last toolErrorWindow tool calls that must have failed, strictly more than, to open the task's tool-error breaker (0.5 of 20: 11 failures).",
      )
      .default(0.5),
    agentTaskTrips: z
      .number()
      .int()
      .min(2)
      .describe(
        "Distinct tasks of one agent whose tool-error breakers opened within tripWindowSeconds that open the agent's tool-error breaker (its other tasks are then refused).",
      )
      .default(3),
    fleetAgentTrips: z
      .number()
      .int()
      .min(2)
      .describe(
        "Distinct agents with a task whose tool-error breaker opened within tripWindowSeconds that open the fleet's tool-error breaker (every task is then refused).",
      )
      .default(3),
    tripWindowSeconds: positive(
      'Seconds over which the task trips that open an agent or fleet tool-error breaker are counted.',
    ).default(3600),
    providerFailures: positiveInt(
      'Consecutive failed calls to one model (each call after its retries), across all processes, that open its provider breaker.',
    ).default(5),
    providerOpenSeconds: positive(
      'Seconds a provider breaker stays open before one half-open probe call.',
    ).default(60),
    probeTimeoutSeconds: positive(
      'Seconds a claimed half-open probe holds its provider breaker; after that, if the probe never reported (its process died), another call may probe.',
    ).default(300),
    openSeconds: positive(
      'Seconds a tool-error or loop breaker stays open before it closes on its own (a spend breaker closes at the next UTC midnight).',
    ).default(3600),
  })
  .describe('Circuit breakers that stop work in a scope; `warden breakers reset` closes them.');

export const EconomicsSchema = z
  .strictObject({
    valuePerSuccessUsd: z
      .number()
      .nonnegative()
      .describe('What one successful task is worth (e.g. engineer time saved), in USD, for `warden cost`.')
      .default(14),
    counterfactualModel: z
      .string()
      .describe(
        'Price key `warden cost` compares against: what the same calls would have cost all on this top-tier model.',
      )
      .default('anthropic:claude-opus-4-7'),
    setupCostUsd: z
      .number()
      .nonnegative()
      .describe('One-off cost of the rollout, in USD; `warden cost` reports the days to pay it back.')
      .default(0),
  })
  .describe('Unit economics reported by `warden cost`.');

export const WebhookSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/ })
      .nullable()
      .describe('Where breaker events are posted as Slack-compatible JSON ({"text": …}). null: no post.')
      .default(null),
    timeoutMs: positiveInt(
      'Milliseconds to wait for the webhook before giving up (the breaker still opens).',
    ).default(5000),
  })
  .describe('Notifications.');

export const PolicySchema = z
  .strictObject({
    bundle: z
      .string()
      .nullable()
      .describe(
        'Directory of the Cedar policy bundle every tool call is checked against. null: the built-in default bundle.',
      )
      .default(null),
    unparsable: z
      .enum(['ask', 'deny'])
      .describe('What a shell command that cannot be parsed gets: ask a human, or deny.')
      .default('ask'),
    approvalTtlHours: positive('Hours an approval request (and an approval) stays valid.').default(24),
  })
  .describe('The policy engine that decides allow / deny / ask for every tool call.');

export const PackagesSchema = z
  .strictObject({
    guard: z
      .boolean()
      .describe(
        'Check every install a shell call makes (npm, pnpm, yarn, npx, pip, cargo, go) on its registry before it runs: the package exists, is not a near-name of a popular one, is old enough, gained no install script since the lockfile, matches the lockfile integrity. false: no check.',
      )
      .default(true),
    minAgeDays: z
      .number()
      .min(0)
      .describe(
        'Days a version must have been published before it may be installed (a version without a publish time is refused). 0: no age check.',
      )
      .default(7),
    failOpen: z
      .boolean()
      .describe(
        'Let an install through when its registry cannot be reached. Default false: it is refused, saying so.',
      )
      .default(false),
    registries: z
      .strictObject({
        npm: z
          .string()
          .url()
          .describe('The npm registry the guard asks: GET {npm}/{name}.')
          .default('https://registry.npmjs.org'),
        pypi: z
          .string()
          .url()
          .describe('The PyPI the guard asks: GET {pypi}/pypi/{name}/json.')
          .default('https://pypi.org'),
        crates: z
          .string()
          .url()
          .describe('crates.io, as the guard asks it: GET {crates}/api/v1/crates/{name}.')
          .default('https://crates.io'),
        go: z
          .string()
          .url()
          .describe('The Go module proxy the guard asks: GET {go}/{module}/@v/{version}.info.')
          .default('https://proxy.golang.org'),
      })
      .describe(
        'Where the guard looks packages up (from the host, not the sandbox); point them at a mirror the sandbox installs from.',
      )
      .prefault({}),
    allow: z
      .array(z.string().min(1))
      .describe(
        'Package names the operator vouches for, skipped by the typosquat check: `npm:name`, `pypi:name`, `crates:name`, `go:path`, or a bare name for every ecosystem.',
      )
      .default([]),
    timeoutMs: positiveInt(
      'Milliseconds one registry lookup may take before the registry counts as unreachable.',
    ).default(10_000),
  })
  .describe(
    'The package guard: supply-chain checks on installs before they run (see docs/architecture/supply-chain.md).',
  );

export const ForgeSchema = z
  .strictObject({
    kind: z
      .enum(['none', 'local', 'github'])
      .describe(
        "Where a succeeded task's branch is delivered as a pull request, through the action gateway: none (the branch stays in your repository), local (a bare git repository as the remote, pull requests recorded in Warden's store) or github (a GitHub App installation).",
      )
      .default('none'),
    remote: z
      .string()
      .min(1)
      .nullable()
      .describe('The bare git repository the local forge pushes to (kind: local).')
      .default(null),
    protectedBranches: z
      .array(z.string().min(1))
      .describe('Branches never pushed to, besides the default branch (which never is).')
      .default([]),
    reviewers: z
      .array(z.string().min(1))
      .describe(
        'Reviewers requested on every pull request Warden opens (the policy decides `forge.request_review`).',
      )
      .default([]),
    labels: z
      .array(z.string().min(1).max(50))
      .max(10)
      .describe(
        'Labels put on every pull request Warden opens, as part of opening it (GitHub; the local forge keeps none).',
      )
      .default([]),
    github: z
      .strictObject({
        owner: z.string().min(1).describe('The repository owner (kind: github).'),
        repo: z.string().min(1).describe('The repository name, without the owner (kind: github).'),
        appId: z.union([z.string().min(1), z.number().int().positive()]).describe('The GitHub App id.'),
        installationId: z.number().int().positive().describe("The App's installation id on the repository."),
        privateKeyFile: z
          .string()
          .min(1)
          .describe("The App's private key (PEM) file; read by the host only, never shown to the agent."),
        apiUrl: z
          .string()
          .url()
          .describe('The REST API base URL (GitHub Enterprise: https://HOST/api/v3).')
          .default('https://api.github.com'),
        gitUrl: z
          .string()
          .url()
          .optional()
          .describe(
            'Where repositories are cloned from (`GIT_URL/OWNER/NAME.git`); default https://github.com, or the host of a GitHub Enterprise apiUrl.',
          ),
      })
      .nullable()
      .describe('The GitHub App Warden acts as (kind: github).')
      .default(null),
  })
  .superRefine((forge, context) => {
    if (forge.kind === 'local' && forge.remote === null)
      context.addIssue({
        code: 'custom',
        path: ['remote'],
        message: 'kind local needs remote: the bare repository path',
      });
    if (forge.kind === 'github' && forge.github === null)
      context.addIssue({
        code: 'custom',
        path: ['github'],
        message: 'kind github needs the github section (owner, repo, appId, installationId, privateKeyFile)',
      });
  })
  .describe('Delivery of results as pull requests.');

export const RecoverySchema = z
  .strictObject({
    keepInterruptedHours: z
      .number()
      .nonnegative()
      .describe(
        "Hours the workspace of an interrupted task (its process died), or of a task stopped by a limit (steps, wall time, budget; its branch is made when it ends), is kept so `warden resume` can continue it; a later start of Warden removes it after that. 0: an interrupted task's is removed at the next start, and a stopped task ends at once with its branch.",
      )
      .default(24),
  })
  .describe('What a start of Warden does with tasks whose process died.');

export const TelemetrySchema = z
  .strictObject({
    endpoint: z
      .url({ protocol: /^https?$/ })
      .nullable()
      .describe(
        'The OTLP/HTTP collector each finished task is sent to (`/v1/traces` and `/v1/metrics` are appended), e.g. http://127.0.0.1:4318. null: no export. OTEL_EXPORTER_OTLP_ENDPOINT wins over it.',
      )
      .default(null),
    protocol: z
      .enum(['http/protobuf', 'http/json'])
      .describe('OTLP encoding: http/protobuf or http/json. OTEL_EXPORTER_OTLP_PROTOCOL wins over it.')
      .default('http/protobuf'),
    headers: z
      .record(z.string().min(1), z.string())
      .describe(
        'Headers sent to the collector (an API key); OTEL_EXPORTER_OTLP_HEADERS wins key by key, and is the better place for a secret.',
      )
      .default({}),
    captureContent: z
      .boolean()
      .describe(
        'Put prompts, model outputs and tool inputs and outputs on the spans. Off: spans carry names, ids, tokens, costs and decisions only.',
      )
      .default(false),
    serviceName: z
      .string()
      .min(1)
      .describe('The service.name of the spans and metrics. OTEL_SERVICE_NAME wins over it.')
      .default('warden'),
  })
  .describe('OpenTelemetry GenAI spans and metrics of every finished task, sent over OTLP/HTTP.');

export const ConfigSchema = z
  .strictObject({
    model: z
      .string()
      .min(1)
      .describe(
        'Model used when --model is not given: anthropic:MODEL, openai:MODEL, openai-compatible:MODEL@URL.',
      )
      .default('anthropic:claude-sonnet-4-6'),
    budget: BudgetSchema.prefault({}),
    sandbox: SandboxSchema.prefault({}),
    agent: AgentSchema.prefault({}),
    agents: AgentsSchema,
    pricing: PricingSchema.prefault({}),
    provider: ProviderSchema.prefault({}),
    models: z
      .record(
        z
          .string()
          .regex(
            MODEL_KEY,
            'must be a price key (provider:model) or a model spec (openai-compatible:MODEL@URL)',
          ),
        ModelSettingsSchema,
      )
      .describe(
        'Per-model settings by price key (`openai-compatible:qwen3`) or full spec (the URL is ignored): prices in USD per million tokens, merged into the price table everywhere, and timeouts.',
      )
      .default({}),
    router: RouterSchema.prefault({}),
    limits: LimitsSchema.prefault({}),
    breakers: BreakersSchema.prefault({}),
    policy: PolicySchema.prefault({}),
    packages: PackagesSchema.prefault({}),
    provenance: ProvenanceSchema.prefault({}),
    economics: EconomicsSchema.prefault({}),
    webhook: WebhookSchema.prefault({}),
    forge: ForgeSchema.prefault({}),
    recovery: RecoverySchema.prefault({}),
    triggers: TriggersSchema.prefault({}),
    fleet: FleetSchema.prefault({}),
    telemetry: TelemetrySchema.prefault({}),
  })
  .superRefine((config, context) => {
    // A GitHub event starts work only for someone with write access, which the App is asked; and the
    // task's pull request goes back to the event's repository as that App.
    if (config.triggers.github.on.length > 0 && config.forge.kind !== 'github') {
      context.addIssue({
        code: 'custom',
        path: ['triggers', 'github', 'on'],
        message:
          'GitHub triggers need forge.kind: github with forge.github (the App checks that each actor may write, and receives the pull requests)',
      });
    }
  })
  .describe('Warden configuration (YAML or JSON).');

export type Config = z.output<typeof ConfigSchema>;
