import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

describe('sandbox.driver (real CLI)', () => {
  const work = scratch('driver');
  let repo: string;
  let script: string;
  beforeAll(() => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    script = writeScript(work.dir, { turns: [{ text: 'done' }] });
  });
  afterAll(work.cleanup);

  /** `warden run` with `sandbox` in the config, then the tasks it left. */
  const run = async (name: string, sandbox: Record<string, unknown>, env: Record<string, string> = {}) => {
    const config = path.join(work.dir, `${name}.json`);
    writeFileSync(config, JSON.stringify({ sandbox }));
    const home = path.join(work.dir, `home-${name}`);
    const result = await runWarden(
      [
        'run',
        '--repo',
        repo,
        '--task',
        'x',
        '--model',
        `scripted:${script}`,
        '--config',
        config,
        '--data-dir',
        home,
      ],
      { env },
    );
    const tasks = await runWarden(['tasks', '--json', '--data-dir', home]);
    return { ...result, tasks: JSON.parse(tasks.stdout) as unknown[] };
  };

  it('stops before any task starts, with exit 2 and a hint, when the driver cannot run here', async () => {
    const e2b = await run('e2b', { driver: 'e2b' }, { E2B_API_KEY: '' });
    expect(e2b.code).toBe(2);
    expect(e2b.stderr).toMatch(/E2B_API_KEY/);
    expect(e2b.tasks).toEqual([]);

    // A Docker engine that is not there: nothing listens on port 1.
    const docker = await run('docker', { driver: 'docker' }, { DOCKER_HOST: 'tcp://127.0.0.1:1' });
    expect(docker.code).toBe(2);
    expect(docker.stderr).toMatch(/Docker engine/);
    expect(docker.tasks).toEqual([]);
  });

  it('refuses a driver it does not know, naming the field', async () => {
    const unknown = await run('unknown', { driver: 'chroot' });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/sandbox\.driver/);
  });
});
