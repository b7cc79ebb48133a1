// `npm run bench`: every benchmark figure Warden claims, each measured in this run against its baseline.
import './wasm-flags.ts';
import { benchAuditScale } from './audit-scale.ts';
import { benchContextCompaction, describeContextCompaction } from './context-compaction.ts';
import { benchContextSearch, describeContextSearch } from './context-search.ts';
import { benchCostPerSuccess } from './cost-per-success.ts';
import { benchPromptCache } from './cost-prompt-cache.ts';
import { benchCostReportScale } from './cost-report-scale.ts';
import { benchRouterOverhead } from './cost-router-overhead.ts';
import { benchDashboardTaskPage } from './dashboard-task-page.ts';
import { benchDemoWallTime } from './demo-wall-time.ts';
import { benchEgressDownload } from './egress-download.ts';
import { benchEvalHarness, describeEvalHarness } from './eval-harness.ts';
import { benchFleetDispatch, describeFleetDispatch } from './fleet-dispatch.ts';
import { benchLocalization, describeLocalization } from './localization.ts';
import { benchLocalizeScale, describeLocalizeScale } from './localize-scale.ts';
import { benchOrchestratorOverhead } from './orchestrator-overhead.ts';
import { benchPackageGuard, describePackageGuard } from './package-guard.ts';
import { benchPolicyDecisions } from './policy-decisions.ts';
import { benchRealRepositories } from './real-repositories.ts';
import { benchSandboxStartup } from './sandbox-startup.ts';
import { benchScreening, describeScreening } from './screening.ts';
import { benchSecretScan, describeSecretScan } from './secret-scan.ts';
import { benchSwarmSpeedup } from './swarm-speedup.ts';
import { benchToolCallOverhead } from './tool-call-overhead.ts';
import { benchWebhookReceipt } from './webhook-receipt.ts';

const format = (value: number, digits = 1) => value.toFixed(digits);
const overhead = await benchToolCallOverhead();
console.log(
  `(a) harness overhead per tool call (validate, Cedar decision, 3 journal events, dispatch): median ${format(overhead.median)} µs, p99 ${format(overhead.p99)} µs`,
);

const sandbox = await benchSandboxStartup();
console.log(
  `(b) sandboxed \`true\` ${format(sandbox.sandboxedMs, 2)} ms vs bare bwrap with the same mounts ${format(sandbox.bareMs, 2)} ms: ratio ${format(sandbox.vsBare, 2)}; vs plain spawn ${format(sandbox.plainMs, 2)} ms: ratio ${format(sandbox.vsPlain, 2)}`,
);

const demo = await benchDemoWallTime();
console.log(
  `(c) demo wall time in this process (start-up left out) ${format(demo.wallMs, 0)} ms vs its commands' time in the sandbox ${format(demo.commandMs, 0)} ms: ratio ${format(demo.ratio, 2)} (against bare, start-up included: (j))`,
);

const egress = await benchEgressDownload();
console.log(
  `(d) 10 MB through the egress proxy: CONNECT tunnel ${format(egress.tunnelledMs)} ms, forwarded ${format(egress.forwardedMs)} ms vs direct ${format(egress.directMs)} ms: ratios ${format(egress.tunnelledRatio, 2)} / ${format(egress.forwardedRatio, 2)}`,
);

const policy = await benchPolicyDecisions();
console.log(
  `(e) policy decision (parse + evaluate) on ${policy.commands} commands: median ${format(policy.median)} µs, p99 ${format(policy.p99)} µs (parse alone ${format(policy.parseMedian)} µs; worst of 8,000 pipes, 63 KB of \`ls;\`, 66 KB padding then \`rm -rf /\`: ${format(policy.pathologicalP99 / 1000)} ms); ratio to a sandboxed \`true\`: ${format(policy.median / 1000 / sandbox.sandboxedMs, 3)}`,
);

const router = await benchRouterOverhead();
console.log(
  `(f) router and breakers per model call (breaker check, ledger reserve/settle, router pick and provider record): median ${format(router.median)} µs, p99 ${format(router.p99)} µs`,
);

const cache = await benchPromptCache();
console.log(
  `(g) ${cache.steps}-step agent loop, input tokens read from the prompt cache (simulated Anthropic prefix cache): Warden's breakpoints ${format(cache.warden.readShare * 100)}% vs system prompt only ${format(cache.naive.readShare * 100)}%: ratio ${format(cache.ratio, 2)}`,
);

const perSuccess = benchCostPerSuccess(cache.warden);
console.log(
  `(h) demo workload, modeled cost per successful task: all on the top tier without cache $${format(perSuccess.topOnlyUsd, 4)} vs routed and cached $${format(perSuccess.routedUsd, 4)}: ratio ${format(perSuccess.ratio, 2)}`,
);

await benchRealRepositories(console.log);

const scale = await benchCostReportScale({ print: false });
const [fewest, most] = [scale[0], scale.at(-1)];
if (fewest && most) {
  console.log(
    `(m) \`warden cost\` over ${most.tasks.toLocaleString('en-US')} tasks (${most.calls.toLocaleString('en-US')} model calls, ${format(most.storeMb)} MB store): ${format(most.costMs, 0)} ms and ${format(most.peakRssMb, 0)} MB peak RSS vs over ${fewest.tasks.toLocaleString('en-US')} tasks ${format(fewest.costMs, 0)} ms and ${format(fewest.peakRssMb, 0)} MB: ratios ${format(most.costMs / fewest.costMs, 2)} / ${format(most.peakRssMb / fewest.peakRssMb, 2)} (target ≤ 1,000 ms and ≤ 150 MB)`,
  );
}

const orchestrated = await benchOrchestratorOverhead();
console.log(
  `(n) orchestrator with ${orchestrated.subtasks} trivial subtasks (a workspace, a sandbox and a check each, combined and checked again) ${format(orchestrated.orchestratedMs, 0)} ms vs the same ${orchestrated.subtasks} steps in one loop ${format(orchestrated.singleMs, 0)} ms: ratio ${format(orchestrated.ratio, 2)} (scheduling and isolation overhead, scripted model without latency)`,
);

const swarm = await benchSwarmSpeedup();
console.log(
  `(o) swarm of ${swarm.roles} roles (3 writes each, every scripted reply ${swarm.latencyMs} ms) ${format(swarm.swarmMs, 0)} ms vs the same work in one loop ${format(swarm.sequentialMs, 0)} ms: ${format(swarm.ratio, 2)}× faster`,
);

const webhook = await benchWebhookReceipt();
console.log(
  `(p) GitHub webhook (${format(webhook.bodyBytes / 1024)} KB, signed) from receipt to task queued, server-side (signature, delivery recorded, write access cached, open pull requests asked of a local GitHub, limits): median ${format(webhook.servedUs, 0)} µs vs a bare Hono handler reading the same request ${format(webhook.bareUs, 0)} µs: ratio ${format(webhook.ratio, 2)}; the signature check alone ${format(webhook.signatureUs)} µs: ratio ${format(webhook.signatureRatio, 3)}`,
);

const dashboard = await benchDashboardTaskPage();
console.log(
  `(q) dashboard task page of a ${dashboard.steps.toLocaleString('en-US')}-step trajectory (${dashboard.events.toLocaleString('en-US')} events, ${format(dashboard.pageBytes / 1_048_576)} MB of HTML), server-side: median ${format(dashboard.pageMs, 0)} ms vs \`warden trace --json\` of the same task in its process (read, verify, print ${format(dashboard.jsonBytes / 1_048_576)} MB) ${format(dashboard.traceMs, 0)} ms: ratio ${format(dashboard.ratio, 2)}`,
);

const audited = await benchAuditScale();
console.log(
  `(r) \`warden audit\` of one task in a store of ${audited.events.toLocaleString('en-US')} journal events ${format(audited.auditMs, 2)} ms vs a full scan of the events table ${format(audited.scanMs, 0)} ms: ratio ${format(audited.auditRatio, 4)}; \`warden audit search --path\` over all of it ${format(audited.searchMs, 0)} ms: ratio ${format(audited.searchRatio, 2)}`,
);

console.log(describeFleetDispatch(await benchFleetDispatch()));

console.log(describeEvalHarness(await benchEvalHarness()));
console.log(
  describeLocalization(
    await benchLocalization({ rerankModel: process.env.WARDEN_BENCH_RERANK_MODEL || undefined }),
  ),
);
console.log(describeLocalizeScale(await benchLocalizeScale()));
console.log(describeContextCompaction(await benchContextCompaction()));
console.log(describeContextSearch(await benchContextSearch()));
console.log(describeSecretScan(await benchSecretScan()));
console.log(describeScreening(await benchScreening()));
console.log(describePackageGuard(await benchPackageGuard()));
