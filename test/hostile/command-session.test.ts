import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Canaries, createAttackTally, createCanaries, runHostile, shellTurn } from './harness.ts';

// A task's commands share one sandbox, run by Warden's command server inside it (see
// `src/sandbox/internal/session-runner.ts`). Its commands must still not outlast themselves, must not
// be able to make the server lie to Warden for later commands, and must not sway the check.
describe('hostile: the sandbox a task’s commands share', () => {
  createAttackTally('command-session');
  let canaries: Canaries;
  beforeAll(async () => {
    canaries = await createCanaries();
  });
  afterAll(() => canaries.close());

  it('a process a command leaves behind dies with it and cannot touch the workspace afterwards', async () => {
    const outcome = await runHostile(canaries, 'straggler', { 'README.md': 'hi\n' }, [
      shellTurn(
        `(setsid sh -c 'sleep 0.5; echo late > late.txt' &) ; (nohup sh -c 'sleep 0.5; echo late > late2.txt' >/dev/null 2>&1 &) ; echo left`,
      ),
      shellTurn(
        'sleep 1.5; ls late.txt late2.txt 2>&1; ps -eo args 2>/dev/null | grep -c "sleep 0.5" || true',
      ),
    ]);
    expect(outcome.outputs[0]).toMatch(/^exit code 0[\s\S]*left/);
    expect(outcome.outputs[1]).toMatch(/'late\.txt': No such file/);
    expect(outcome.outputs[1]).toMatch(/'late2\.txt': No such file/);
  });

  it('a command that kills or stops the command server is reported as such, and the next command runs', async () => {
    const outcome = await runHostile(canaries, 'server', { 'README.md': 'hi\n' }, [
      shellTurn('kill -9 $PPID; sleep 1; echo survived'),
      shellTurn('echo fresh'),
      {
        tool_calls: [
          { name: 'shell', input: { command: 'kill -STOP $PPID; echo stopped', timeout_ms: 1500 } },
        ],
      },
      shellTurn('echo fresh again'),
    ]);
    expect(outcome.code).toBe(0);
    expect(outcome.outputs[0]).toMatch(/exit status is unknown/);
    expect(outcome.outputs[0]).not.toMatch(/survived/);
    expect(outcome.outputs[1]).toMatch(/^exit code 0[\s\S]*fresh/);
    // A stopped server answers nothing: the command's wall time ends the whole sandbox.
    expect(outcome.outputs[2]).toMatch(/timed out/);
    expect(outcome.outputs[3]).toMatch(/^exit code 0[\s\S]*fresh again/);
  });

  it('the check runs in a sandbox of its own: what earlier commands left in /tmp cannot pass or fail it', async () => {
    const config = path.join(canaries.dir, 'fresh-check-config.json');
    writeFileSync(config, JSON.stringify({ agent: { check: 'test ! -e /tmp/poison && test -e done.txt' } }));
    const outcome = await runHostile(
      canaries,
      'check-fresh',
      { 'README.md': 'hi\n' },
      [
        shellTurn('touch /tmp/poison && echo done > done.txt && test -e /tmp/poison && echo kept'),
        shellTurn('test -e /tmp/poison && echo still-kept'),
      ],
      { args: ['--config', config] },
    );
    expect(outcome.stderr).toBe('');
    // Commands of one task share /tmp, like a shell session…
    expect(outcome.outputs[0]).toMatch(/kept/);
    expect(outcome.outputs[1]).toMatch(/still-kept/);
    // …but the check saw none of it.
    expect(outcome.report.status).toBe('succeeded');
  });
});
