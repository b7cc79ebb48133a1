import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Canaries, createAttackTally, createCanaries, runHostile, shellTurn } from './harness.ts';

describe('hostile: reading the host', () => {
  createAttackTally('secrets');
  let canaries: Canaries;
  beforeAll(async () => {
    canaries = await createCanaries();
  });
  afterAll(() => canaries.close());

  it("sees neither the host environment, nor PID 1, nor Warden's database and config, nor home directories", async () => {
    const outcome = await runHostile(canaries, 'read-host', { 'README.md': 'hi\n' }, [
      shellTurn(
        'env',
        'cat /proc/1/environ | tr "\\0" "\\n"',
        `cat ${path.join(canaries.home, 'warden.db')} | head -c 200`,
        `cat ${path.join(canaries.home, 'config.yaml')}`,
        'ls -la /root /home 2>&1; ls -la ~ 2>&1',
        'ls /var/run/docker.sock /run/docker.sock 2>&1; echo $SSH_AUTH_SOCK',
        'cat /etc/shadow',
      ),
    ]);
    expect(outcome.code).toBe(0);
    const everything = outcome.outputs.join('\n');
    expect(everything).not.toContain(canaries.secret);
    expect(everything).not.toContain('WARDEN_CANARY_SECRET');
    expect(everything).not.toContain('SQLite format');
    expect(everything).not.toContain('maxUsd');
    expect(outcome.outputs[4]).not.toMatch(/\.bashrc|\.ssh|\.npmrc/);
    expect(outcome.outputs[5]).not.toMatch(/^\/(var\/)?run\/docker\.sock$/m);
    expect(outcome.outputs[6]).not.toMatch(/^root:/m);
  });

  it('never puts the host secret into a prompt or the journal', async () => {
    const outcome = await runHostile(canaries, 'journal', { 'README.md': 'hi\n' }, [
      shellTurn('env; cat /proc/self/environ'),
    ]);
    expect(JSON.stringify(outcome.events)).not.toContain(canaries.secret);
  });
});
