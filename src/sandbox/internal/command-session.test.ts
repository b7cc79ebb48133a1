import { describe, expect, it } from 'vitest';
import { createCappedOutput } from './capped-output.ts';
import { startCommandSession } from './command-session.ts';

// The host's side of the session protocol, against stand-in servers (shell scripts in a bubblewrap
// sandbox) that answer as a compromised command server might: it must fail closed, not hang.
const SANDBOX = ['--ro-bind', '/', '/', '--dev', '/dev', '--unshare-all', '--die-with-parent'];
const READY = `echo '{"ready":true}'; read line;`;

async function runWith(script: string) {
  const session = await startCommandSession('bwrap', [...SANDBOX, '/bin/sh', '-c', script], null);
  const stdout = createCappedOutput(100);
  const stderr = createCappedOutput(100);
  const ran = await session.run({ argv: ['true'], env: {}, maxOutputBytes: 100 }, stdout, stderr);
  session.kill();
  await session.ended;
  return { ran, stdout, stderr, alive: session.alive };
}

describe('command session', () => {
  it('takes what the server reports: output, the bytes it dropped, the exit status', async () => {
    const { ran, stdout } = await runWith(
      `${READY} echo '{"id":1,"stream":1,"data":"aGk="}'; echo '{"id":1,"exit":4,"signal":null,"dropped":[5,0]}'; sleep 5`,
    );
    expect(ran).toEqual({ exitCode: 4, signal: null, lost: null });
    expect(stdout.text()).toBe('hi');
    expect(stdout.bytes).toBe(7);
    expect(stdout.truncated).toBe(true);
  });

  it('ends the sandbox when the server says something that is not a message', async () => {
    const { ran, alive } = await runWith(`${READY} echo 'not json'; sleep 5`);
    expect(ran.lost).toMatch(/not a message/);
    expect(ran.exitCode).toBeNull();
    expect(alive).toBe(false);
  });

  it('ends the sandbox when the server answers for another command', async () => {
    const { ran } = await runWith(`${READY} echo '{"id":7,"exit":0,"signal":null,"dropped":[0,0]}'; sleep 5`);
    expect(ran.lost).toMatch(/out of turn/);
  });

  it('ends the sandbox on a line longer than any message, without keeping it', async () => {
    const { ran } = await runWith(`${READY} head -c 3000000 /dev/zero | tr '\\0' a; sleep 5`);
    expect(ran.lost).toMatch(/longer than any message/);
  });

  it('reports a sandbox that ends while the command runs', async () => {
    const { ran } = await runWith(`${READY} exit 0`);
    expect(ran.lost).toMatch(/ended while the command ran/);
  });

  it('refuses to start when the server never says it is ready', async () => {
    await expect(
      startCommandSession('bwrap', [...SANDBOX, '/bin/sh', '-c', 'echo broken >&2; exit 3'], null),
    ).rejects.toThrow(/command server did not start: broken/);
  });
});
