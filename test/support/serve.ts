import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/warden.js', import.meta.url));

/** The API token and webhook secret the serve tests start their servers with. */
export const TOKEN = 'test-token-1f2e3d';
export const SECRET = 'webhook-secret-9a8b';

/** A running `warden serve` on a free loopback port, and what it printed on stderr. */
export interface Server {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts the real `warden serve --port 0` in a child process; settles once it says where it listens. */
export function startServer(args: string[], env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`warden serve did not start:\n${stderr}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, stderr: () => stderr, exited });
      }
    });
    exited.then(() => reject(new Error(`warden serve exited:\n${stderr}`)));
  });
}

/** A JSON request to the server's API with the bearer token (`null`: none). */
export function apiOf(server: () => Server) {
  return (route: string, init: RequestInit = {}, token: string | null = TOKEN) =>
    fetch(`${server().url}${route}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...init.headers,
      },
    });
}

/** Signs `body` as GitHub does: HMAC-SHA256 under the webhook secret, hex, `sha256=` first. */
export function signature(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Posts `payload` as GitHub delivers `event`, signed by `sign` (`null`: unsigned). */
export function deliverWebhook(
  server: Server,
  event: string,
  payload: unknown,
  id: string,
  sign: (body: string) => string | null = signature,
): Promise<Response> {
  const body = JSON.stringify(payload);
  const signed = sign(body);
  return fetch(`${server.url}/webhooks/github`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': id,
      ...(signed === null ? {} : { 'x-hub-signature-256': signed }),
    },
  });
}

/** GitHub's own example payloads (`@octokit/webhooks-examples`), by event. */
const EXAMPLES = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
  name: string;
  examples: Array<Record<string, unknown> & { action?: string }>;
}>;

/** A copy of GitHub's first example of `event` with `action`. */
export function exampleOf(event: string, action: string): Record<string, unknown> {
  return structuredClone(
    EXAMPLES.find((entry) => entry.name === event)!.examples.find((example) => example.action === action)!,
  );
}

/**
 * GitHub's example of a completed `workflow_run` (of Codertocat/Hello-World), made a failure on `branch`
 * by `sender`, as a CI failure webhook would come.
 */
export function workflowRun(
  options: { branch?: string; sender?: string; conclusion?: string; fork?: string } = {},
) {
  const payload = exampleOf('workflow_run', 'completed') as {
    repository: { full_name: string };
    workflow_run: { conclusion: string | null; head_branch: string; name: string };
    sender: { login: string };
  };
  payload.workflow_run.conclusion = options.conclusion ?? 'failure';
  payload.workflow_run.head_branch = options.branch ?? 'main';
  payload.sender.login = options.sender ?? 'octocat';
  // A run of the repository's own branch (GitHub's example names a fork as its head).
  (payload.workflow_run as { head_repository?: unknown }).head_repository = options.fork
    ? { full_name: options.fork }
    : structuredClone(payload.repository);
  return payload;
}

/** A GitHub App for the serve tests: its key file, and the `forge:` section that names it. */
export function githubAppConfig(keyFile: string, apiUrl: string): string {
  return [
    'forge:\n  kind: github\n  github:',
    `    owner: Codertocat\n    repo: Hello-World\n    appId: 1\n    installationId: 5\n    privateKeyFile: ${keyFile}\n    apiUrl: ${apiUrl}`,
  ].join('\n');
}
