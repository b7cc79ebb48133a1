import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';
import { openaiError, startVendorServer, type VendorServer } from '../support/vendor-server.ts';

/**
 * Circuit breakers through the real `warden run`, one process per task as a user runs them: a tool-error
 * breaker stops only the task whose calls failed; a provider breaker counts failed calls across
 * processes, and once open refuses the next task before anything is sent, whether the model is named or
 * routed, with exit 3, `breaker`, the breaker's name and the command that resets it.
 */
describe('circuit breakers (real CLI, one process per task)', () => {
  const work = scratch('breakers');
  let repo: string;
  let server: VendorServer;

  /** Runs one task with `config` in the data directory `home`; returns its exit code, report and stderr. */
  const run = async (home: string, name: string, config: Record<string, unknown>) => {
    const configFile = path.join(work.dir, `${name}.json`);
    writeFileSync(configFile, JSON.stringify(config));
    const result = await runWarden(
      [
        'run',
        '--repo',
        repo,
        '--task',
        `look around (${name})`,
        '--config',
        configFile,
        '--data-dir',
        path.join(work.dir, home),
        '--no-branch',
        '--json',
      ],
      { env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${server.url}/v1` } },
    );
    return { code: result.code, stderr: result.stderr, report: JSON.parse(result.stdout || '{}') };
  };
  const warden = async (home: string, ...args: string[]) =>
    runWarden([...args, '--data-dir', path.join(work.dir, home)]);

  beforeAll(async () => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# app\n' });
    server = await startVendorServer();
    // The vendor is down: every call answers 500.
    server.respond(() => openaiError(500, 'server_error', 'The server had an error', { 'retry-after': '0' }));
  });
  afterAll(async () => {
    await server.close();
    work.cleanup();
  });

  it("opens only the failing task's tool-error breaker, after a full window; other tasks, of any agent, run", async () => {
    // Six turns of four reads of files that do not exist: 24 failing calls if nothing stops the task.
    const turns = Array.from({ length: 6 }, (_, turn) => ({
      tool_calls: Array.from({ length: 4 }, (_, call) => ({
        name: 'read_file',
        input: { path: `missing-${turn}-${call}.txt` },
      })),
    }));
    const failing = writeScript(work.dir, { turns }, 'failing.json');
    const done = writeScript(work.dir, { turns: [{ text: 'nothing to do' }] }, 'done.json');
    const fixer = { name: 'fixer', team: 'payments' };
    const first = await run('tools', 'storm', { model: `scripted:${failing}`, agent: fixer });
    expect(first.code, first.stderr).toBe(3);
    expect(first.report).toMatchObject({ status: 'stopped', stopReason: 'breaker' });
    const taskScope = `task:${first.report.taskId}`;
    expect(first.report.detail).toContain(`the tool-errors breaker of ${taskScope} is open`);
    expect(first.report.detail).toContain(`warden breakers reset ${taskScope}`);
    // Judged over the task's last 20 calls once it made 20 (more than half failed): the 20th stops it.
    const trace = JSON.parse((await warden('tools', 'trace', first.report.taskId, '--json')).stdout);
    expect(trace.filter((event: { type: string }) => event.type === 'tool-call-end')).toHaveLength(20);

    const other = await run('tools', 'other-agent', {
      model: `scripted:${done}`,
      agent: { name: 'reviewer', team: 'platform' },
    });
    expect(other.code, other.stderr).toBe(0);
    expect(other.report.stopReason).toBe('finished');
    const same = await run('tools', 'same-agent', { model: `scripted:${done}`, agent: fixer });
    expect(same.code, same.stderr).toBe(0);
    expect(same.report.stopReason).toBe('finished');

    const breakers = JSON.parse((await warden('tools', 'breakers', '--json')).stdout);
    expect(breakers.filter((breaker: { state: string }) => breaker.state !== 'closed')).toEqual([
      expect.objectContaining({ scope: taskScope, kind: 'tool-errors', state: 'open' }),
    ]);
  }, 150_000);

  it('seven failing tasks in separate processes open the provider breaker; the eighth sends nothing and exits 3', async () => {
    const config = { model: 'openai:gpt-5.4-mini', breakers: { providerFailures: 7 } };
    for (let task = 1; task <= 7; task++) {
      const before = server.requests.length;
      const failed = await run('provider', `down-${task}`, config);
      expect(failed.code, failed.stderr).toBe(1);
      expect(failed.report.stopReason).toBe('model-error');
      expect(server.requests.length).toBeGreaterThan(before);
    }
    const before = server.requests.length;
    const refused = await run('provider', 'down-8', config);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.report).toMatchObject({ status: 'stopped', stopReason: 'breaker', steps: 0 });
    expect(refused.report.detail).toContain('the provider breaker of model:openai:gpt-5.4-mini is open');
    expect(refused.report.detail).toContain('7 consecutive calls');
    expect(refused.report.detail).toContain('warden breakers reset model:openai:gpt-5.4-mini');
    expect(server.requests.length).toBe(before);

    // The reset it names works: the next task reaches the vendor again.
    expect((await warden('provider', 'breakers', 'reset', 'model:openai:gpt-5.4-mini')).code).toBe(0);
    const again = await run('provider', 'down-9', config);
    expect(again.report.stopReason).toBe('model-error');
    expect(server.requests.length).toBeGreaterThan(before);
  }, 300_000);

  it('a routed tier whose provider breakers are open stops the same way, counting calls, not attempts', async () => {
    const config = {
      router: {
        enabled: true,
        cascade: false,
        defaultTier: 'small',
        tiers: { small: ['openai:gpt-5.4-mini'] },
        maxAttempts: 2,
        backoffBaseMs: 1,
      },
      breakers: { providerFailures: 2 },
    };
    for (let task = 1; task <= 2; task++) {
      const before = server.requests.length;
      const failed = await run('routed', `routed-${task}`, config);
      expect(failed.code, failed.stderr).toBe(1);
      expect(failed.report.stopReason).toBe('model-error');
      // Two attempts on the one model are one failed call for the breaker: the second task still calls.
      expect(server.requests.length - before).toBeGreaterThanOrEqual(2);
    }
    const before = server.requests.length;
    const refused = await run('routed', 'routed-3', config);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.report).toMatchObject({ status: 'stopped', stopReason: 'breaker', steps: 0 });
    expect(refused.report.detail).toContain('the provider breaker of model:openai:gpt-5.4-mini is open');
    expect(refused.report.detail).toContain('warden breakers reset model:openai:gpt-5.4-mini');
    expect(server.requests.length).toBe(before);
  }, 150_000);
});
