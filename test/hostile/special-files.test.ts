import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Canaries, createAttackTally, createCanaries, runHostile, shellTurn } from './harness.ts';

const call = (name: string, input: Record<string, unknown>) => ({ tool_calls: [{ name, input }] });

describe('hostile: files that are not files', { timeout: 120_000 }, () => {
  createAttackTally('special-files');
  let canaries: Canaries;
  beforeAll(async () => {
    canaries = await createCanaries();
  });
  afterAll(() => canaries.close());

  it('refuses a FIFO, a socket and a device at once to read_file, edit_file and write_file; the task ends', async () => {
    const outcome = await runHostile(canaries, 'fifo', { 'README.md': 'hi\n' }, [
      shellTurn(
        'mkfifo fifo && python3 -c "import socket; socket.socket(socket.AF_UNIX).bind(\'sock\')" && ln -s /dev/zero zero && ls -l',
      ),
      call('read_file', { path: 'fifo' }),
      call('edit_file', { path: 'fifo', old_string: 'a', new_string: 'b' }),
      call('write_file', { path: 'fifo', content: 'x' }),
      call('read_file', { path: 'sock' }),
      call('write_file', { path: 'sock', content: 'x' }),
      call('read_file', { path: 'zero' }),
      call('read_file', { path: 'README.md' }),
    ]);
    expect(outcome.outputs[0]).toMatch(/^exit code 0/);
    for (const output of outcome.outputs.slice(1, 6)) expect(output).toMatch(/not a regular file/);
    // The link leads outside the workspace (to /dev): refused before it is opened.
    expect(outcome.outputs[6]).toMatch(/outside the workspace|not a regular file/);
    expect(outcome.outputs[7]).toContain('hi');
    expect(outcome.report).toMatchObject({ status: 'unverified' });
    expect(outcome.code).toBe(0);
  });
});
