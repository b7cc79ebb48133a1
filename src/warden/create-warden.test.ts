import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBundleDir } from '../policy/index.ts';
import { createWarden } from './index.ts';

const work = mkdtempSync(path.join(tmpdir(), 'warden-core-'));
let repo: string;
let remote: string;

/** A scripted model that writes one file, then says it is done. */
function script(name: string): string {
  const file = path.join(work, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      turns: [
        { tool_calls: [{ name: 'write_file', input: { path: `${name}.md`, content: `${name}\n` } }] },
        { text: 'done' },
      ],
    }),
  );
  return `scripted:${file}`;
}

/** A config file in the scratch directory. */
function config(name: string, fields: Record<string, unknown>): string {
  const file = path.join(work, `${name}.config.json`);
  writeFileSync(file, JSON.stringify(fields));
  return file;
}

beforeAll(() => {
  repo = path.join(work, 'repo');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
      cwd: repo,
      stdio: 'pipe',
    });
  execFileSync('mkdir', ['-p', repo]);
  writeFileSync(path.join(repo, 'README.md'), '# hello\n');
  git('init', '--quiet', '--initial-branch=main');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'initial');
  remote = path.join(work, 'remote.git');
  execFileSync('git', ['clone', '--quiet', '--bare', repo, remote]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('createWarden', () => {
  it('reads the policy bundle once: runs and deliveries after it is gone still use it', async () => {
    const bundle = path.join(work, 'bundle');
    cpSync(defaultBundleDir(), bundle, { recursive: true });
    const warden = await createWarden({
      dataDir: path.join(work, 'home-once'),
      configPath: config('once', {
        policy: { bundle },
        forge: { kind: 'local', remote },
        // Only a verified success is delivered: the check is that the task wrote its file.
        agent: { check: 'test -f first.md || test -f second.md' },
      }),
      env: {},
    });
    try {
      const first = await warden.runTask({ repo, task: 'first', model: script('first') });
      expect(first.task.status).toBe('succeeded');
      expect(first.delivery?.status).toBe('opened');
      rmSync(bundle, { recursive: true });
      const second = await warden.runTask({ repo, task: 'second', model: script('second') });
      expect(second.task.status).toBe('succeeded');
      expect(second.delivery?.status).toBe('opened');
      const [start] = (await warden.trace(second.task.id)).events;
      expect(start?.type === 'task-start' && start.limits).toMatchObject({
        policyBundleHash: warden.policyBundle().hash,
      });
    } finally {
      await warden.close();
    }
  });

  it('books the outcome of every task it runs for the cost report', async () => {
    const warden = await createWarden({
      dataDir: path.join(work, 'home-cost'),
      configPath: config('cost', { agent: { check: 'test -f booked.md' } }),
      env: {},
    });
    try {
      await warden.runTask({ repo, task: 'booked', model: script('booked'), createBranch: false });
      const report = await warden.costReport({});
      expect(report).toMatchObject({ tasks: 1, succeeded: 1, unverified: 0 });
    } finally {
      await warden.close();
    }
  });

  it('refuses a sandbox driver that cannot run here before any task starts', async () => {
    const warden = await createWarden({
      dataDir: path.join(work, 'home-e2b'),
      configPath: config('e2b', { sandbox: { driver: 'e2b' } }),
      env: {},
    });
    try {
      await expect(warden.runTask({ repo, task: 'never', model: script('never') })).rejects.toMatchObject({
        code: 'sandbox-unavailable',
        hint: expect.stringContaining('E2B_API_KEY'),
      });
      expect(await warden.tasks()).toEqual([]);
      expect(warden.config.sandbox.driver).toBe('e2b');
    } finally {
      await warden.close();
    }
  });

  it('builds the driver sandbox.driver names, bubblewrap by default', async () => {
    const byDefault = await createWarden({ dataDir: path.join(work, 'home-default'), env: {} });
    const docker = await createWarden({
      dataDir: path.join(work, 'home-docker'),
      configPath: config('docker', { sandbox: { driver: 'docker' } }),
      env: {},
    });
    try {
      expect(byDefault.sandboxDriver().name).toBe('bubblewrap');
      expect(docker.sandboxDriver().name).toBe('docker');
    } finally {
      await byDefault.close();
      await docker.close();
    }
  });
});
