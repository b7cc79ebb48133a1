import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Canaries, createAttackTally, createCanaries, runHostile, shellTurn } from './harness.ts';

/** Host processes whose command line contains `marker`. */
function hostProcesses(marker: string): string[] {
  const listing = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return listing.split('\n').filter((line) => line.includes(marker) && !line.includes('ps -eo'));
}

describe('hostile: exhausting the host', () => {
  createAttackTally('resources');
  let canaries: Canaries;
  beforeAll(async () => {
    canaries = await createCanaries();
  });
  afterAll(() => canaries.close());

  it('stops a fork bomb, a memory hog and a disk filler, and the task goes on', async () => {
    const outcome = await runHostile(canaries, 'exhaust', { 'README.md': 'hi\n' }, [
      shellTurn('bomb() { bomb | bomb & }; bomb; sleep 2; echo survived'),
      shellTurn(`node -e "const a=[]; for(;;) a.push(Buffer.alloc(64*1024*1024, 1))"`),
      shellTurn('dd if=/dev/zero of=filler bs=1M count=100000 2>&1; ls -la filler; rm -f filler'),
      shellTurn('echo still here'),
    ]);
    expect(outcome.code).toBe(0);
    expect(outcome.outputs[0]).not.toMatch(/^exit code 0/);
    expect(outcome.outputs[1]).not.toMatch(/^exit code 0/);
    expect(outcome.outputs[2]).toMatch(/File size limit exceeded|No space left|disk|limit/i);
    expect(outcome.outputs[3]).toMatch(/^exit code 0[\s\S]*still here/);
  });

  it('leaves no process behind: a double-forked sleeper dies with its command', async () => {
    const marker = `sleeper${Math.random().toString(36).slice(2, 8)}`;
    const outcome = await runHostile(canaries, 'sleeper', { 'README.md': 'hi\n' }, [
      {
        tool_calls: [
          {
            name: 'shell',
            input: { command: `(setsid sh -c 'exec -a ${marker} sleep 300' &) ; sleep 60`, timeout_ms: 1000 },
          },
        ],
      },
    ]);
    expect(outcome.outputs[0]).toMatch(/timed out/);
    expect(hostProcesses(marker)).toEqual([]);
  });

  it('gains no privilege: no capabilities, no new privileges, no mounts, no nested namespaces, no setuid help', async () => {
    const outcome = await runHostile(canaries, 'privilege', { 'README.md': 'hi\n' }, [
      shellTurn(
        'grep -E "^(CapEff|CapPrm|NoNewPrivs)" /proc/self/status',
        'mkdir -p /tmp/m && mount -t tmpfs none /tmp/m 2>&1',
        'unshare -U true 2>&1',
        'cp /bin/sh ./rootsh && chmod u+s ./rootsh && ./rootsh -c "cat /etc/shadow" 2>&1',
        'chroot / true 2>&1',
      ),
    ]);
    expect(outcome.outputs[0]).toMatch(/CapEff:\s+0000000000000000/);
    expect(outcome.outputs[0]).toMatch(/CapPrm:\s+0000000000000000/);
    expect(outcome.outputs[0]).toMatch(/NoNewPrivs:\s+1/);
    for (const output of outcome.outputs.slice(1)) expect(output).not.toMatch(/^exit code 0/);
  });
});
