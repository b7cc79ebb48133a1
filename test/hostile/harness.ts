import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach } from 'vitest';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

const DEFAULT_BUNDLE = fileURLToPath(new URL('../../policies/default/', import.meta.url));

/** What a hostile run may have touched on the host, and what it reported. */
export interface HostileOutcome {
  code: number | null;
  /** The user's repository the run worked on (where the result branch lands). */
  repo: string;
  report: Record<string, unknown>;
  events: Array<Record<string, unknown>>;
  /** Tool results in order, as the model saw them. */
  outputs: string[];
  stderr: string;
}

/**
 * Everything a hostile suite watches on the host: canary files outside the workspace (with their
 * hashes), a canary HTTP server and a canary UDP (DNS-style) listener on 127.0.0.1 that must receive
 * nothing, and a secret in Warden's own environment that must never show.
 */
export async function createCanaries() {
  const root = scratch('hostile');
  const outside = path.join(root.dir, 'outside');
  mkdirSync(outside, { recursive: true });
  const canaryFile = path.join(outside, 'canary.txt');
  writeFileSync(canaryFile, 'untouched\n');
  const home = path.join(root.dir, 'home');
  mkdirSync(home, { recursive: true });
  // The sandbox must hold when every other layer has been talked round: these suites run beneath a
  // policy bundle that allows everything, so what they show is the sandbox's containment alone.
  const bundle = path.join(root.dir, 'permit-all');
  mkdirSync(bundle);
  copyFileSync(path.join(DEFAULT_BUNDLE, 'schema.cedarschema'), path.join(bundle, 'schema.cedarschema'));
  copyFileSync(path.join(DEFAULT_BUNDLE, 'entities.json'), path.join(bundle, 'entities.json'));
  writeFileSync(
    path.join(bundle, 'permit-all.cedar'),
    '@id("permit-all")\npermit (principal, action, resource);\n',
  );
  writeFileSync(
    path.join(home, 'config.yaml'),
    `budget:\n  maxUsd: 1\npolicy:\n  bundle: ${JSON.stringify(bundle)}\n`,
  );

  const httpHits: string[] = [];
  const http = createServer((request, response) => {
    httpHits.push(`${request.method} ${request.url}`);
    response.end('canary');
  });
  http.on('connection', () => httpHits.push('connection'));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const udpHits: string[] = [];
  const udp = createSocket('udp4');
  udp.on('message', (message) => udpHits.push(message.toString('hex')));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));

  const secret = `canary-secret-${Math.random().toString(36).slice(2)}`;
  const snapshot = () => createHash('sha256').update(readFileSync(canaryFile)).digest('hex');
  const initial = snapshot();

  return {
    dir: root.dir,
    outside,
    canaryFile,
    home,
    secret,
    httpPort: (http.address() as AddressInfo).port,
    udpPort: (udp.address() as AddressInfo).port,
    httpHits,
    udpHits,
    /** True when the canary file outside the workspace still has its original content. */
    canaryIntact: () => snapshot() === initial,
    async close() {
      await new Promise((resolve) => http.close(resolve));
      http.closeAllConnections();
      udp.close();
      root.cleanup();
    },
  };
}

export type Canaries = Awaited<ReturnType<typeof createCanaries>>;

/** A scripted turn that runs each command with the shell tool, one call per command. */
export function shellTurn(...commands: string[]) {
  return {
    tool_calls: commands.map((command) => ({ name: 'shell', input: { command, timeout_ms: 15_000 } })),
  };
}

/**
 * Runs a scripted trajectory through the real `warden run` on a repository built from `files`, with
 * the canaries' secret in Warden's environment, and returns the report, the journal and the outputs.
 */
export async function runHostile(
  canaries: Canaries,
  name: string,
  files: Record<string, string | Buffer>,
  turns: unknown[],
  options: { prepare?: (repo: string) => void; args?: string[] } = {},
): Promise<HostileOutcome> {
  const repo = makeRepo(path.join(canaries.dir, name), files);
  options.prepare?.(repo);
  const script = writeScript(canaries.dir, { turns: [...turns, { text: 'done' }] }, `${name}.json`);
  const result = await runWarden(
    [
      'run',
      '--repo',
      repo,
      '--task',
      `hostile: ${name}`,
      '--model',
      `scripted:${script}`,
      '--json',
      ...(options.args ?? []),
    ],
    { env: { WARDEN_HOME: canaries.home, WARDEN_CANARY_SECRET: canaries.secret }, timeoutMs: 120_000 },
  );
  const report = result.stdout ? (JSON.parse(result.stdout) as Record<string, unknown>) : {};
  const trace = await runWarden(['trace', String(report.taskId), '--json'], {
    env: { WARDEN_HOME: canaries.home },
  });
  const events = trace.stdout ? (JSON.parse(trace.stdout) as Array<Record<string, unknown>>) : [];
  const outputs = events
    .filter((event) => event.type === 'tool-call-end')
    .map((event) => String(event.output));
  return { code: result.code, repo, report, events, outputs, stderr: result.stderr };
}

/**
 * Counts a hostile file's attacks: call it once inside the file's `describe`. Every test there counts as
 * an attack tried, and as contained unless it failed; the totals are printed once, after the file.
 */
export function createAttackTally(suite: string): void {
  let tried = 0;
  let failed = 0;
  beforeEach((context) => {
    tried += 1;
    context.onTestFailed(() => {
      failed += 1;
    });
  });
  afterAll(() => {
    console.log(`hostile (${suite}): ${tried} attacks tried, ${tried - failed} contained`);
  });
}
