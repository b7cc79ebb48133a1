import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { SystemError, UserError } from '../spec/errors.ts';

/** How a deploy is carried out by the host: a command (argv, no shell) or a webhook. */
export type DeployTarget =
  | {
      kind: 'command';
      /** The program and its arguments; the environment name and ref are appended. */
      argv: readonly string[];
      cwd?: string;
      /** Killed after this many milliseconds. Default 10 minutes. */
      timeoutMs?: number;
    }
  | {
      kind: 'webhook';
      url: string;
      /** HMAC-SHA256 key for the `x-warden-signature` header; register it with the broker's redactor. */
      secret?: string;
    };

export interface DeployRequest {
  taskId: string;
  environment: string;
  ref: string;
}

export interface DeployResult {
  kind: DeployTarget['kind'];
  environment: string;
  ref: string;
  /** The command's exit code, or the webhook's HTTP status. */
  status: number;
  /** The first 4,000 characters of the command's output or the webhook's response. */
  output: string;
}

const OUTPUT_LIMIT = 4_000;

/**
 * Carries out a deploy. The gateway calls it only after a human approved this exact deploy.
 * @throws UserError `config-invalid` for an empty command; SystemError `deploy-failed` when the command
 *   exits non-zero or the webhook answers other than 2xx.
 */
export async function runDeploy(target: DeployTarget, request: DeployRequest): Promise<DeployResult> {
  return target.kind === 'command' ? await runCommand(target, request) : await callWebhook(target, request);
}

async function runCommand(
  target: Extract<DeployTarget, { kind: 'command' }>,
  request: DeployRequest,
): Promise<DeployResult> {
  const [program, ...args] = target.argv;
  if (!program) throw new UserError('config-invalid', 'deploy.argv: must name a program');
  return await new Promise<DeployResult>((resolve, reject) => {
    const child = spawn(program, [...args, request.environment, request.ref], {
      cwd: target.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: target.timeoutMs ?? 600_000,
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      if (output.length < OUTPUT_LIMIT) output = (output + chunk.toString('utf8')).slice(0, OUTPUT_LIMIT);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => {
      reject(new SystemError('deploy-failed', `the deploy command could not start: ${error.message}`));
    });
    child.on('close', (exitCode, signal) => {
      if (exitCode === 0) {
        resolve({ kind: 'command', environment: request.environment, ref: request.ref, status: 0, output });
        return;
      }
      const how = signal ? `was killed by ${signal}` : `exited with ${exitCode}`;
      reject(new SystemError('deploy-failed', `the deploy command ${how}: ${output.trim()}`));
    });
  });
}

async function callWebhook(
  target: Extract<DeployTarget, { kind: 'webhook' }>,
  request: DeployRequest,
): Promise<DeployResult> {
  const body = JSON.stringify(request);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.secret) {
    headers['x-warden-signature'] =
      `sha256=${createHmac('sha256', target.secret).update(body).digest('hex')}`;
  }
  let response: Response;
  try {
    response = await fetch(target.url, { method: 'POST', headers, body, redirect: 'error' });
  } catch (error) {
    throw new SystemError(
      'deploy-failed',
      `the deploy webhook could not be reached: ${(error as Error).message}`,
      {
        isRetryable: true,
      },
    );
  }
  const output = (await response.text()).slice(0, OUTPUT_LIMIT);
  if (!response.ok) {
    throw new SystemError('deploy-failed', `the deploy webhook answered HTTP ${response.status}: ${output}`);
  }
  return {
    kind: 'webhook',
    environment: request.environment,
    ref: request.ref,
    status: response.status,
    output,
  };
}
