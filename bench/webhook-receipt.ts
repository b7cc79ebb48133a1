import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { createServerApp, TaskQueue } from '../src/server/index.ts';
import {
  gitHubRepositoryRoutes,
  installationTokenRoute,
  startGitHubTestServer,
  testAppPrivateKey,
} from '../src/testing/index.ts';
import { createWarden } from '../src/warden/index.ts';
import { summarize, timeEach } from './stats.ts';

const SECRET = 'bench-webhook-secret';

/**
 * (p) A GitHub webhook from receipt to its task queued, server-side (Hono's in-process `fetch`, no
 * socket): GitHub's own example of a failed `workflow_run`, signed; the signature checked, the delivery
 * recorded in SQLite, the actor's write access (cached after the first answer) and the open pull
 * requests asked of a GitHub test server on 127.0.0.1, the subject and rate checked, the task queued
 * (its runner does nothing). Against a bare Hono handler that reads the same request's body and answers
 * 202, and the HMAC-SHA256 signature check alone: medians of `count` requests each.
 */
export async function benchWebhookReceipt(count = 300) {
  const work = mkdtempSync(path.join(tmpdir(), 'warden-bench-webhook-'));
  const bare = path.join(work, 'hello.git');
  const { execFileSync } = await import('node:child_process');
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  const github = await startGitHubTestServer([
    installationTokenRoute('ghs_benchInstallationToken'),
    ...gitHubRepositoryRoutes({
      owner: 'Codertocat',
      name: 'Hello-World',
      bareRepository: bare,
      protectedBranches: [],
      collaborators: { Codertocat: 'admin' },
    }),
  ]);
  const keyFile = path.join(work, 'app.pem');
  writeFileSync(keyFile, testAppPrivateKey());
  const config = path.join(work, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      forge: {
        kind: 'github',
        github: {
          owner: 'Codertocat',
          repo: 'Hello-World',
          appId: 1,
          installationId: 5,
          privateKeyFile: keyFile,
          apiUrl: github.baseUrl,
        },
      },
      triggers: {
        github: {
          repositories: { 'Codertocat/Hello-World': work },
          maxPerHour: 1_000_000,
          on: [{ event: 'workflow_run', agent: 'fix-ci' }],
        },
      },
    }),
  );
  const warden = await createWarden({
    dataDir: path.join(work, 'home'),
    configPath: config,
    env: { WARDEN_GITHUB_WEBHOOK_SECRET: SECRET },
  });
  try {
    let queued = 0;
    const queue = new TaskQueue(
      {
        run: async () => {
          queued += 1;
          return undefined as never;
        },
        resume: async () => undefined as never,
      },
      1,
    );
    const app = createServerApp(warden, queue, undefined);
    const bareApp = new Hono().post('/webhooks/github', async (c) => {
      await c.req.arrayBuffer();
      return c.json({ outcome: 'started' }, 202);
    });
    const example = (
      createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
        name: string;
        examples: Array<Record<string, unknown> & { action?: string }>;
      }>
    )
      .find((entry) => entry.name === 'workflow_run')!
      .examples.find((payload) => payload.action === 'completed')!;
    const bodyOf = (index: number) => {
      const payload = structuredClone(example) as { workflow_run: Record<string, unknown> };
      // Each delivery a failure on its own branch: a subject no task holds yet.
      Object.assign(payload.workflow_run, { conclusion: 'failure', head_branch: `branch-${index}` });
      return JSON.stringify(payload);
    };
    const requestOf = (index: number, body: string) =>
      new Request('http://warden.test/webhooks/github', {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'workflow_run',
          'x-github-delivery': `bench-${index}`,
          'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
        },
      });
    const bodies = Array.from({ length: count + 1 }, (_, index) => bodyOf(index));
    // The first delivery asks GitHub for the actor's write access, which later ones find cached.
    const first = await app.fetch(requestOf(count, bodies[count]!));
    if (first.status !== 202) throw new Error(`the webhook was not taken: ${await first.text()}`);
    const served = await timeEach(count, async (index) => {
      const response = await app.fetch(requestOf(index, bodies[index]!));
      if (response.status !== 202) throw new Error(`delivery ${index}: ${await response.text()}`);
    });
    const bareSamples = await timeEach(count, async (index) => {
      await bareApp.fetch(requestOf(index, bodies[index]!));
    });
    const signature = await timeEach(count, async (index) => {
      createHmac('sha256', SECRET).update(bodies[index]!).digest();
    });
    await queue.drain();
    const warden_ = summarize(served).median;
    const bareMedian = summarize(bareSamples).median;
    const signatureMedian = summarize(signature).median;
    return {
      count,
      queued,
      servedUs: warden_,
      bareUs: bareMedian,
      signatureUs: signatureMedian,
      ratio: warden_ / bareMedian,
      signatureRatio: signatureMedian / bareMedian,
      bodyBytes: bodies[0]!.length,
    };
  } finally {
    await warden.close();
    await github.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const result = await benchWebhookReceipt();
  console.log(result);
}
